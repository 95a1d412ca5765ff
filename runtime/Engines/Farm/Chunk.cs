using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>
/// Consecutive tasks of one job sent to one engine as one call. It is the call's sink: the transport
/// reports its outcome here, and it hands it to the farm.
/// </summary>
internal sealed class Chunk(TaskFarm farm, FarmJob job, int start, int count, int attempt, int engineId, long sequence) : ICallSink
{
    private const int CancelFlag = 1;
    private const int TimedOutFlag = 2;

    private IDispatchedCall? call;
    private Timer? deadline;
    private int flags;
    private volatile bool answered;

    public FarmJob Job { get; } = job;

    /// <summary>Gets the first task's index.</summary>
    public int Start { get; } = start;

    /// <summary>Gets the number of tasks.</summary>
    public int Count { get; } = count;

    /// <summary>Gets how many engines these tasks were already lost with.</summary>
    public int Attempt { get; } = attempt;

    public int EngineId { get; } = engineId;

    /// <summary>Gets the order in which the farm sent its chunks.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>Gets or sets the chunk sent to the same engine just before, while it had not answered; cleared once this one answers.</summary>
    public Chunk? Predecessor { get; set; }

    /// <summary>Gets whether the engine answered this chunk (a result or an error it caught), as opposed to dying with it.</summary>
    public bool IsAnswered => answered;

    /// <summary>Gets whether the engine may have started this chunk: nothing sent before it was still waiting for its answer.</summary>
    public bool MayHaveStarted => Predecessor is not { IsAnswered: false };

    public bool IsTimedOut => (Volatile.Read(ref flags) & TimedOutFlag) != 0;

    /// <summary>Records the sent call; cancels it at once if the chunk was cancelled while it was being sent.</summary>
    public void Sent(IDispatchedCall sent)
    {
        Volatile.Write(ref call, sent);
        if ((Volatile.Read(ref flags) & (CancelFlag | TimedOutFlag)) != 0)
        {
            sent.Cancel();
        }
    }

    /// <summary>
    /// The chunk is first in its engine's line, so it runs from now: its timeout (<paramref name="perTask"/>
    /// times its tasks) starts. Time spent behind another chunk does not count against a task.
    /// </summary>
    public void StartClock(TimeSpan? perTask)
    {
        if (perTask is { } limit && !answered && deadline is null)
        {
            deadline = new Timer(static state => ((Chunk)state!).TimeOut(), this, limit * Count, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops the chunk on its engine (the call is dropped if it has not started).</summary>
    public void Cancel()
    {
        if ((Interlocked.Or(ref flags, CancelFlag) & CancelFlag) == 0)
        {
            Volatile.Read(ref call)?.Cancel();
        }
    }

    void ICallSink.Completed(ReadOnlySpan<byte> result, in EngineReply reply)
    {
        Answered(true);
        farm.OnCompleted(this, result, reply);
    }

    void ICallSink.Failed(Exception exception)
    {
        Answered(exception is not (EngineDiedException or EngineRestartedException));
        farm.OnFailed(this, exception);
    }

    private void TimeOut()
    {
        Interlocked.Or(ref flags, TimedOutFlag);
        Cancel();
    }

    private void Answered(bool byEngine)
    {
        answered = byEngine;
        deadline?.Dispose();
    }
}
