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
    void Send(EngineRequest request, IReadOnlyList<int> targets, IReplySink sink);
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
