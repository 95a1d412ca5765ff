using System.Diagnostics;
using System.Globalization;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// The seam between the client API and a transport (IEngines, EngineRequest, IReplySink), and its
/// shared pieces (Placement, SharedRange.Map): the client runs over any implementation, and the
/// local one reports what a scheduler needs.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SeamTests
{
    [Fact]
    public void Client_views_and_AsyncResult_run_over_any_implementation_of_the_seam()
    {
        // No process, no socket, no Cluster: what a connected client or an Orleans backend will be to the client API.
        var engines = new InProcessEngines(2);
        var client = new Client(engines);
        var v = client[..];

        Assert.Equal([42, 42], v.ApplySync(() => 6 * 7));
        var factor = 3;
        Assert.Equal(21, client[1].ApplySync(() => factor * 7));

        var x = new[] { 1.5, 2.5, 3.5 };
        v.PushSync(new { x });
        Assert.All(v.PullSync<double[]>("x"), pulled => Assert.Equal(x, pulled));
        v.ScatterSync("part", new[] { 1, 2, 3 });
        Assert.Equal(new[] { new[] { 1, 2 }, new[] { 3 } }, v.PullSync<int[]>("part"));

        var result = v.ApplyAsync(() => 1);
        result.Get();
        Assert.Equal(["in-process engine 0\n", "in-process engine 1\n"], result.Stdout);
        Assert.All(result.Metadata, m => Assert.NotNull(m.Completed));
        Assert.Equal([RequestKind.Apply, RequestKind.Apply, RequestKind.Push, RequestKind.Pull, RequestKind.Push, RequestKind.Pull, RequestKind.Apply], engines.Kinds);

        // A target that fails fails its part, and the call names it.
        engines.Dead.Add(1);
        Assert.Equal(1, Assert.Throws<EngineDiedException>(() => v.ApplySync(() => 0)).EngineId);
    }

    [Fact]
    public async Task An_engine_connection_counts_the_requests_it_has_not_answered_and_one_over_the_frame_limit_fails_alone()
    {
        await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { MaxFrameBytes = 1 << 20 });
        var connection = cluster.Client.Engines.Connection(0)!;
        var release = Path.Combine(Path.GetTempPath(), "parallax-release-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(0, connection.Pending);

        // Counted when sent, not when the engine starts it: the second call waits behind the first.
        var first = cluster.Client[0].ApplyAsync(() =>
        {
            while (!File.Exists(release))
            {
                Thread.Sleep(10);
            }
        });
        var second = cluster.Client[0].ApplyAsync(() => Engine.Id);
        Assert.Equal(2, connection.Pending);

        File.WriteAllText(release, "");
        try
        {
            await first.WaitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(0, await second.WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        }
        finally
        {
            File.Delete(release);
        }

        Assert.Equal(0, connection.Pending);

        // A request over the frame limit fails its target before anything is sent, and leaves nothing pending.
        var refused = Assert.Throws<InvalidOperationException>(() => cluster.Client[0].PullSync<int>(new string('x', 1 << 20)));
        Assert.Contains("MaxFrameBytes", refused.Message);
        Assert.Equal(0, connection.Pending);
        Assert.Equal(0, cluster.Client[0].ApplySync(() => Engine.Id));
        Assert.True(connection.IsAlive);
        Assert.Equal(0, connection.EngineId);
    }

    [Fact]
    public async Task The_engines_signal_a_change_when_one_dies_and_its_id_leaves_the_live_ones()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var engines = cluster.Client.Engines;
        var changed = engines.Changed;
        Process.Start("kill", ["-9", cluster.GetEngine(1)!.Process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();

        // A hang guard, not a time assertion: without the death signal nothing completes the task.
        await changed.WaitAsync(TimeSpan.FromMinutes(1));
        while (engines.LiveIds.Contains(1))
        {
            await engines.Changed.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal([0], cluster.Client.Ids);
        Assert.False(engines.Connection(1)!.IsAlive);
    }

    [Fact]
    public void Placement_writes_parts_once_with_a_tag_each_and_SharedRange_Map_reads_them_back_or_refuses_them()
    {
        var folder = Path.Combine(Path.GetTempPath(), "parallax-placement-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var mac = new SegmentMac(new byte[32]);
            var placement = new Placement(1000, mac);
            Assert.False(placement.IsShared(999));
            Assert.True(placement.IsShared(1000));

            var a = Enumerable.Range(0, 300).Select(i => (double)i).ToArray();
            var b = new[] { "one", "two" };
            var segment = SharedSegment.Create(folder, "test", 4096);
            var ranges = placement.Write(segment, [Payload.FromValue(typeof(double[]), a), Payload.FromValue(typeof(string[]), b)]);
            segment.Release();

            Assert.Equal(ranges[0].Offset + ranges[0].Length, ranges[1].Offset);
            using (var mapped = ranges[0].Map(folder, mac, handBack: false))
            {
                Assert.Equal(a, MemoryPackSerializer.Deserialize<double[]>(mapped.Span));
            }

            // A reply segment is handed back once read: the writer finds it under its free name.
            using (var mapped = ranges[1].Map(folder, mac, handBack: true))
            {
                Assert.Equal(b, MemoryPackSerializer.Deserialize<string[]>(mapped.Span));
            }

            Assert.True(File.Exists(segment.Path + SharedSegment.FreeSuffix));
            File.Move(segment.Path + SharedSegment.FreeSuffix, segment.Path);

            Assert.Throws<FrameRejectedException>(() => ranges[0].Map(folder, new SegmentMac(new byte[32].Select(_ => (byte)1).ToArray()), handBack: false));
            Assert.Throws<FrameRejectedException>(() => (ranges[0] with { Length = 8192 }).Map(folder, mac, handBack: false));
            Assert.Throws<FrameRejectedException>(() => ranges[0].Map(Path.GetTempPath(), mac, handBack: false));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Engines inside this process: calls run through the invoker table the generator fills, pushed
    /// values are kept as their bytes, pulls return them. Just enough of a transport to show the seam.
    /// </summary>
    private sealed class InProcessEngines(int count) : IEngines
    {
        private readonly Dictionary<(int Engine, string Name), byte[]> variables = [];

        public List<RequestKind> Kinds { get; } = [];

        public HashSet<int> Dead { get; } = [];

        public int EngineCount => count;

        public IReadOnlyList<int> LiveIds => [.. Enumerable.Range(0, count).Except(Dead)];

        public Task Changed => new TaskCompletionSource().Task;

        public bool IsClosed => false;

        public string Owner => nameof(InProcessEngines);

        public string ClusterId => "in-process";

        public TimeSpan ReceivePolling => TimeSpan.Zero;

        public IEngineConnection? Connection(int engineId) => null;

        public ISentRequest Send(EngineRequest request, IReadOnlyList<int> targets, IReplySink sink)
        {
            Kinds.Add(request.Kind);
            for (var i = 0; i < targets.Count; i++)
            {
                var engine = targets[i];
                if (Dead.Contains(engine))
                {
                    sink.Failed(i, new EngineDiedException(engine, "it is marked dead"));
                    continue;
                }

                var reply = new EngineReply(DateTime.UtcNow, DateTime.UtcNow, $"in-process engine {engine}\n", "", null);
                switch (request)
                {
                    case ApplyRequest apply:
                        Assert.True(EngineDispatch.TryGet(apply.DispatchId, out var invoker));
                        sink.Answered(i, reply, invoker(apply.Arguments));
                        break;
                    case PushRequest push:
                        foreach (var value in push.IsSame ? push.PerTarget[0] : push.PerTarget[i])
                        {
                            variables[(engine, value.Name)] = value.Payload.ToBytes().ToArray();
                        }

                        sink.Answered(i, reply, default);
                        break;
                    case PullRequest pull:
                        sink.Answered(i, reply, variables[(engine, pull.Name)]);
                        break;
                    default:
                        throw new NotSupportedException(request.Kind.ToString());
                }
            }

            return Unstoppable.Instance;
        }
    }
}
