using System.Collections.Concurrent;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Farm;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// The task farm's scheduling decisions, against engines the test answers by hand (<see cref="FakeEngines"/>):
/// the same scheduler a cluster uses, with every outcome and its order chosen by the test.
/// </summary>
public class FarmSchedulerTests
{
    [Fact]
    public void Chunks_shrink_toward_the_end_and_are_sized_by_time_once_timed()
    {
        var sizer = new ChunkSizer(0);
        Assert.Equal(ChunkSizer.Untimed, sizer.Next(1000, 3));
        Assert.Equal(1, sizer.Next(5, 3));
        sizer.Observe(10, 10 * 1e-6); // 1 µs a task: at least 2 ms of work per chunk, so what is left goes at once
        Assert.Equal(2000, sizer.Next(1000, 3));
        Assert.Equal(8334, sizer.Next(100_000, 3)); // ceil(100 000 / (3 engines x 4 shares)), under 50 ms of work
        for (var i = 0; i < 5; i++)
        {
            sizer.Observe(10, 10 * 5e-3); // tasks now take about 5 ms: about 50 ms of work per chunk
        }

        Assert.InRange(sizer.Next(100_000, 3), 1, 20);
        Assert.Equal(7, new ChunkSizer(7).Next(3, 3));
    }

    [Fact]
    public void The_queue_gives_tasks_to_send_again_first_and_drains_what_is_left()
    {
        var queue = new TaskQueue(10);
        Assert.Equal((0, 4, 0), queue.Take(4));
        queue.Return(0, 4, 1);
        Assert.Equal((0, 3, 1), queue.Take(3));
        Assert.Equal((3, 1, 1), queue.Take(3));
        Assert.Equal((4, 3, 0), queue.Take(3));
        Assert.Equal([(7, 3)], queue.Drain());
        Assert.Equal(0, queue.Remaining);
    }

    [Fact]
    public async Task Two_maps_share_the_engines_in_turn()
    {
        var engines = new FakeEngines(3);
        var farm = new TaskFarm(engines);
        var first = Map(1000, chunkSize: 10);
        farm.Submit(first);
        Assert.Equal(6, engines.Outstanding.Count); // 3 engines, 2 chunks each
        var second = Map(1000, chunkSize: 10);
        farm.Submit(second);
        Assert.Equal(6, engines.Outstanding.Count);

        // Every chunk that finishes frees a place, and the places alternate between the two maps.
        for (var i = 0; i < 6; i++)
        {
            engines.Answer(engines.Outstanding.First(c => c.Job == first));
        }

        Assert.Equal(3, engines.Outstanding.Count(c => c.Job == second));
        engines.AnswerAll();
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => 2 * x), await first.Results.Task);
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => 2 * x), await second.Results.Task);
    }

    [Fact]
    public void A_chunk_waiting_behind_one_lost_with_its_engine_is_sent_again_without_using_a_retry()
    {
        var engines = new FakeEngines(2, live: [0]);
        var farm = new TaskFarm(engines);
        var map = Map(4, chunkSize: 2);
        farm.Submit(map);
        var (running, waiting) = (engines.Outstanding[0], engines.Outstanding[1]);
        Assert.Equal([0, 0], new[] { running.EngineId, waiting.EngineId });

        // Engine 0 dies: the transport fails both, in any order. Engine 1 comes up.
        engines.Live = [1];
        engines.Fail(waiting, new EngineDiedException(0, "killed by signal 9"));
        engines.Fail(running, new EngineDiedException(0, "killed by signal 9"));
        engines.Changed();
        engines.AnswerAll();

        var failure = Assert.IsType<RemoteAggregateException>(map.Results.Task.Exception!.InnerException);
        Assert.Equal([running.Start, running.Start + 1], failure.TaskIndices);
        Assert.All(failure.InnerExceptions, e => Assert.Contains("was on it", e.Message, StringComparison.Ordinal));
        Assert.Equal([1, 1], new[] { waiting.Start, waiting.Start + 1 }.Select(i => map.Results.EngineIds[i]));
    }

    [Fact]
    public async Task A_retry_sends_a_started_chunk_to_another_engine_once()
    {
        var engines = new FakeEngines(2, live: [0, 1]);
        var farm = new TaskFarm(engines);
        var map = Map(2, chunkSize: 1, retries: 1);
        farm.Submit(map);
        var onZero = engines.Outstanding.Single(c => c.EngineId == 0);
        engines.Live = [1];
        engines.Fail(onZero, new EngineDiedException(0, "killed by signal 9"));
        engines.AnswerAll();
        var results = await map.Results.Task;
        Assert.Equal([0, 2], results);
        Assert.Equal([1, 1], map.Results.EngineIds);
    }

    [Fact]
    public void Cancelling_drops_the_waiting_tasks_and_cancels_the_latest_chunks_first()
    {
        var engines = new FakeEngines(3);
        var farm = new TaskFarm(engines);
        var map = Map(100, chunkSize: 1);
        farm.Submit(map);
        var sent = engines.Outstanding.ToArray();
        farm.Cancel(map);
        Assert.Equal(sent.OrderByDescending(c => c.Sequence).Select(c => c.Chunk), engines.CancelOrder);
        Assert.False(map.Results.Task.IsCompleted); // its chunks are still on the engines
        foreach (var chunk in sent)
        {
            engines.Fail(chunk, new OperationCanceledException());
        }

        Assert.True(map.Results.Task.IsCanceled || map.Results.Task.Exception?.InnerException is OperationCanceledException);
        Assert.Equal(0, map.Results.Completed);
        Assert.Empty(engines.Outstanding);
    }

    [Fact]
    public void A_map_whose_engines_are_all_gone_for_good_fails_instead_of_waiting()
    {
        var engines = new FakeEngines(2, live: []);
        var farm = new TaskFarm(engines);
        var map = Map(3, chunkSize: 1, targets: [1]);
        farm.Submit(map);
        var failure = Assert.IsType<RemoteAggregateException>(map.Results.Task.Exception!.InnerException);
        Assert.Equal([0, 1, 2], failure.TaskIndices);
    }

    [Fact]
    public void Each_task_of_a_chunk_runs_on_its_own_and_none_starts_after_a_cancel()
    {
        var answer = EngineTasks.RunEach(new[] { 5, 0, 50 }, x => 100 / x);
        int[]? values = null;
        var read = MemoryPackSerializer.Deserialize(answer, ref values);
        var outcome = MemoryPackSerializer.Deserialize<ChunkOutcome>(answer.AsSpan(read))!;
        Assert.Equal([20, 0, 2], values!);
        Assert.Equal([ChunkOutcome.Done, ChunkOutcome.Failed, ChunkOutcome.Done], outcome.States);
        Assert.Equal(typeof(DivideByZeroException).FullName, Assert.Single(outcome.Errors).Type);

        using var cancel = new CancellationTokenSource();
        var ran = 0;
        RunningCall.Token = cancel.Token;
        try
        {
            answer = EngineTasks.RunEach(new[] { 1, 2, 3, 4 }, x =>
            {
                ran++;
                if (x == 2)
                {
                    cancel.Cancel();
                    cancel.Token.ThrowIfCancellationRequested();
                }

                return x;
            });
        }
        finally
        {
            RunningCall.Token = default;
        }

        read = MemoryPackSerializer.Deserialize(answer, ref values);
        outcome = MemoryPackSerializer.Deserialize<ChunkOutcome>(answer.AsSpan(read))!;
        Assert.Equal(2, ran);
        Assert.Equal([ChunkOutcome.Done, ChunkOutcome.Cancelled, ChunkOutcome.NotStarted, ChunkOutcome.NotStarted], outcome.States);
    }

    private static MapJob<int, int> Map(int count, int chunkSize, int retries = 0, int[]? targets = null) =>
        new([.. Enumerable.Range(0, count)], "test", "test.dll", block => MemoryPackSerializer.Serialize(block), targets, chunkSize, retries, null, null);

    /// <summary>Engines the test answers by hand: each dispatched call waits until the test answers or fails it.</summary>
    private sealed class FakeEngines(int count, int[]? live = null) : IFarmEngines
    {
        private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int[] Live { get; set; } = live ?? [.. Enumerable.Range(0, count)];

        public List<Sent> Outstanding { get; } = [];

        public ConcurrentQueue<Chunk> CancelOrder { get; } = new();

        public IReadOnlyList<int> LiveEngineIds => Live;

        public IReadOnlyList<int> AllEngineIds => [.. Enumerable.Range(0, count)];

        Task IFarmEngines.Changed => changed.Task;

        public bool IsRestarting(int engineId) => false;

        public IDispatchedCall Dispatch(int engineId, EngineCall call, ICallSink sink)
        {
            var chunk = (Chunk)sink;
            var sent = new Sent(chunk, call, this);
            lock (Outstanding)
            {
                Outstanding.Add(sent);
            }

            return sent;
        }

        public void Changed() => Interlocked.Exchange(ref changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        public void Answer(Sent sent)
        {
            Take(sent);
            var block = MemoryPackSerializer.Deserialize<int[]>(sent.Call.Arguments)!;
            ((ICallSink)sent.Chunk).Completed(EngineTasks.RunEach(block, x => 2 * x), new EngineReply(new DateTime(0, DateTimeKind.Utc), new DateTime(10, DateTimeKind.Utc), "", "", null));
        }

        public void Fail(Sent sent, Exception exception)
        {
            Take(sent);
            ((ICallSink)sent.Chunk).Failed(exception);
        }

        public void AnswerAll()
        {
            while (Outstanding.Count > 0)
            {
                Answer(Outstanding[0]);
            }
        }

        private void Take(Sent sent)
        {
            lock (Outstanding)
            {
                Assert.True(Outstanding.Remove(sent), "answered a call twice");
            }
        }

        public sealed class Sent(Chunk chunk, EngineCall call, FakeEngines engines) : IDispatchedCall
        {
            public Chunk Chunk { get; } = chunk;

            public EngineCall Call { get; } = call;

            public FarmJob Job => Chunk.Job;

            public int EngineId => Chunk.EngineId;

            public int Start => Chunk.Start;

            public long Sequence => Chunk.Sequence;

            public void Cancel() => engines.CancelOrder.Enqueue(Chunk);
        }
    }
}
