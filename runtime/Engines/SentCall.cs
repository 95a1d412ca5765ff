using Parallax.Engines.Farm;

namespace Parallax.Engines;

/// <summary>
/// One request sent to one engine of a local cluster, and how to stop it: a cancel frame first (the
/// engine drops a request it has not started, or cancels the running call's
/// <see cref="Engine.CancellationToken"/>), then, for code that ignores it, a restart of the engine
/// once <see cref="ClusterOptions.InterruptGrace"/> has passed without a reply.
/// </summary>
internal sealed class SentCall(Cluster cluster, EngineConnection connection, ulong requestId, bool interruptible) : IDispatchedCall
{
    private readonly EngineConnection connection = connection;
    private readonly ulong requestId = requestId;
    private int cancelled;

    public int EngineId => connection.EngineId;

    public void Cancel()
    {
        if (Interlocked.Exchange(ref cancelled, 1) != 0 || !connection.IsPending(requestId))
        {
            return;
        }

        // Sent here, in the caller's order: the farm cancels a chunk waiting on an engine before the one
        // running there, so the engine drops the waiting one before the running one stops and it could start.
        // The send is bounded (a busy engine's full socket), and then the grace period decides.
        connection.SendCancel(requestId);
        if (interruptible)
        {
            _ = InterruptAfterGraceAsync(cluster.Options.InterruptGrace);
        }
    }

    private async Task InterruptAfterGraceAsync(TimeSpan grace)
    {
        await Task.Delay(grace).ConfigureAwait(false);
        if (connection.IsPending(requestId))
        {
            await cluster.InterruptAsync(connection, () => connection.TryFail(requestId, new EngineRestartedException(connection.EngineId, grace))).ConfigureAwait(false);
        }
    }
}
