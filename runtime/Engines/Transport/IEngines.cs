namespace Parallax.Engines.Transport;

/// <summary>
/// The engines a client talks to: the seam between the client API (Client, the views, AsyncResult)
/// and a transport. Engine processes this program started and reaches over local sockets
/// (<see cref="LocalEngines"/>) are one implementation; a client connected to a standing cluster and
/// a backend on Orleans silos are others. Requests go out through <see cref="Send"/> only, so that an
/// implementation decides once, for all targets, how data travels.
/// </summary>
internal interface IEngines
{
    /// <summary>Gets how many engines there are; their ids are 0 to this − 1, alive or not.</summary>
    int EngineCount { get; }

    /// <summary>Gets the ids of the engines that are connected and alive, ascending.</summary>
    IReadOnlyList<int> LiveIds { get; }

    /// <summary>Gets a task that completes at the next change of <see cref="LiveIds"/> (an engine started, restarted or died; the engines closed). Read it again after it completes.</summary>
    Task Changed { get; }

    /// <summary>Gets whether the engines are closed: <see cref="Send"/> throws <see cref="ObjectDisposedException"/>.</summary>
    bool IsClosed { get; }

    /// <summary>Gets what a user disposes to close these engines (for messages), e.g. <c>Parallax.Cluster</c>.</summary>
    string Owner { get; }

    /// <summary>Gets the id that tags this set of engines in telemetry.</summary>
    string ClusterId { get; }

    /// <summary>Gets how long a synchronous wait for an answer polls before it blocks (<c>ClusterOptions.ReceivePolling</c>).</summary>
    TimeSpan ReceivePolling { get; }

    /// <summary>Gets the connection to engine <paramref name="engineId"/>, or null while there is none (restarting, closed).</summary>
    IEngineConnection? Connection(int engineId);

    /// <summary>
    /// Sends <paramref name="request"/> to each of <paramref name="targets"/>; target i answers into
    /// <paramref name="sink"/> as index i. A target that is not running fails at once. Throws only
    /// before anything is sent: the engines are closed, or the request cannot travel.
    /// </summary>
    /// <returns>The request as sent, to cancel it on a target.</returns>
    ISentRequest Send(EngineRequest request, IReadOnlyList<int> targets, IReplySink sink);
}

/// <summary>A request as sent to its targets: what the client needs to stop it on one of them.</summary>
internal interface ISentRequest
{
    /// <summary>
    /// Stops the request on target <paramref name="index"/>: its engine drops it if it has not started it,
    /// or cancels the running call's <c>Engine.CancellationToken</c>. A call (<see cref="ApplyRequest"/>)
    /// still running after the transport's grace period is stopped by restarting its engine, where the
    /// transport can, and the target then fails with <see cref="EngineRestartedException"/>. Nothing
    /// happens for a target that has answered.
    /// </summary>
    void Cancel(int index);
}

/// <summary>A request nothing can stop: a transport that answers at once (in-process tests) returns it.</summary>
internal sealed class Unstoppable : ISentRequest
{
    public static readonly Unstoppable Instance = new();

    public void Cancel(int index)
    {
    }
}

/// <summary>A connection to one engine, for what schedules over engines: whether it is alive, and how much it has not answered yet.</summary>
internal interface IEngineConnection
{
    /// <summary>Gets the engine's id.</summary>
    int EngineId { get; }

    /// <summary>Gets whether the engine is alive; once false, it stays false (a restart is a new connection).</summary>
    bool IsAlive { get; }

    /// <summary>Gets how many requests were sent to the engine and not answered yet.</summary>
    int Pending { get; }
}
