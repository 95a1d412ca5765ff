using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>
/// One map or load-balanced call as the farm schedules it: its waiting tasks, its chunks on engines,
/// and its policy (targets, chunk size, retries, timeout). The farm's lock guards the scheduling state;
/// subclasses turn chunks into calls and outcomes into the user's result.
/// </summary>
internal abstract class FarmJob
{
    private readonly TaskQueue queue;
    private readonly ChunkSizer sizer;
    private readonly HashSet<Chunk> running = [];
    private bool cancelRequested;

    protected FarmJob(int taskCount, int[]? targets, int chunkSize, int retries, TimeSpan? timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunkSize);
        ArgumentOutOfRangeException.ThrowIfNegative(retries);
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "A task's timeout must be positive; pass null for none.");
        }

        TaskCount = taskCount;
        Targets = targets;
        Retries = retries;
        Timeout = timeout;
        queue = new TaskQueue(taskCount);

        // With a timeout, a task is a chunk of its own unless the caller says otherwise, so that the timeout is the task's.
        sizer = new ChunkSizer(chunkSize == 0 && timeout is not null ? 1 : chunkSize);
    }

    public int TaskCount { get; }

    /// <summary>Gets the engines the job may use; null for every live engine, those that join later included.</summary>
    public int[]? Targets { get; }

    public int Retries { get; }

    public TimeSpan? Timeout { get; }

    // ---- scheduling state, under the farm's lock ----

    public bool IsCancelRequested
    {
        get => Volatile.Read(ref cancelRequested);
        private set => Volatile.Write(ref cancelRequested, value);
    }

    public bool IsFinished { get; private set; }

    public bool HasWaiting => !IsCancelRequested && queue.Remaining > 0;

    public bool HasRunning => running.Count > 0;

    public Chunk Take(TaskFarm farm, int engineId, int engines, long sequence)
    {
        var (start, count, attempt) = queue.Take(sizer.Next(queue.Remaining, engines));
        var chunk = new Chunk(farm, this, start, count, attempt, engineId, sequence);
        running.Add(chunk);
        return chunk;
    }

    public void Return(int start, int count, int attempt) => queue.Return(start, count, attempt);

    public void Observe(int tasks, double seconds) => sizer.Observe(tasks, seconds);

    /// <summary>Forgets an answered or lost chunk; true when that leaves the job with nothing to do, which then counts as finished.</summary>
    public bool Remove(Chunk chunk)
    {
        running.Remove(chunk);
        return TryFinish();
    }

    /// <summary>Marks the job cancelled: returns the tasks that never left and the chunks to stop.</summary>
    public (List<(int Start, int Count)> Dropped, Chunk[] Running, bool Finished) RequestCancel()
    {
        if (IsFinished || IsCancelRequested)
        {
            return ([], [], false);
        }

        IsCancelRequested = true;
        var dropped = queue.Drain();
        return (dropped, [.. running], TryFinish());
    }

    /// <summary>Takes every waiting task out (no engine can ever run them); true when that finishes the job.</summary>
    public (List<(int Start, int Count)> Stranded, bool Finished) Strand() => (queue.Drain(), TryFinish());

    private bool TryFinish()
    {
        if (IsFinished || running.Count > 0 || (queue.Remaining > 0 && !IsCancelRequested))
        {
            return false;
        }

        IsFinished = true;
        return true;
    }

    // ---- outcomes, outside the farm's lock ----

    /// <summary>The call that runs tasks <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1.</summary>
    public abstract EngineCall Encode(int start, int count);

    /// <summary>The chunk is on its way to <see cref="Chunk.EngineId"/>.</summary>
    public virtual void Sent(Chunk chunk)
    {
    }

    /// <summary>
    /// Records a chunk's answer. Returns the tasks the engine did not reach because the chunk was stopped
    /// (cancelled or timed out before them); the farm sends them again unless the job is cancelled.
    /// </summary>
    public abstract (int Start, int Count) Deliver(Chunk chunk, ReadOnlySpan<byte> result, in EngineReply reply);

    /// <summary>Task <paramref name="index"/> failed for good.</summary>
    public abstract void Fail(int index, int engineId, Exception exception);

    /// <summary>Tasks that will not run because the job was cancelled (<see cref="OperationCanceledException"/>) or were stopped by restarting their engine (<see cref="EngineRestartedException"/>).</summary>
    public abstract void Drop(int start, int count, OperationCanceledException reason);

    /// <summary>A batch of outcomes was recorded: wake whoever streams the results.</summary>
    public virtual void Changed()
    {
    }

    /// <summary>The job has nothing left to do: complete the user's result.</summary>
    public abstract void Finish();
}
