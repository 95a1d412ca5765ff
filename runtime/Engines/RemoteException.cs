namespace Parallax;

/// <summary>
/// An exception raised by code on an engine, as ipyparallel's <c>RemoteError</c>: it carries the
/// remote exception's type name, message and stack trace, since the exception object itself stayed
/// in the engine process.
/// </summary>
public sealed class RemoteException : Exception
{
    /// <summary>Creates an exception for a failure on engine <paramref name="engineId"/>.</summary>
    /// <param name="engineId">The engine the code ran on.</param>
    /// <param name="remoteType">The full name of the exception's type on the engine.</param>
    /// <param name="remoteMessage">The exception's message on the engine.</param>
    /// <param name="remoteStackTrace">The exception's stack trace on the engine, with its inner exceptions.</param>
    public RemoteException(int engineId, string remoteType, string remoteMessage, string remoteStackTrace)
        : base($"Engine {engineId} raised {remoteType}: {remoteMessage}")
    {
        EngineId = engineId;
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>Gets the id of the engine the exception was raised on.</summary>
    public int EngineId { get; }

    /// <summary>Gets the full name of the exception's type on the engine, e.g. <c>System.DivideByZeroException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>Gets the exception's message on the engine.</summary>
    public string RemoteMessage { get; }

    /// <summary>Gets the stack trace on the engine, from the user's code that threw.</summary>
    public string RemoteStackTrace { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{GetType().FullName}: {Message}{Environment.NewLine}--- remote stack trace (engine {EngineId}) ---{Environment.NewLine}{RemoteStackTrace}{Environment.NewLine}--- local stack trace ---{Environment.NewLine}{StackTrace}";
}

/// <summary>
/// Thrown when several targets of one call failed (ipyparallel's <c>CompositeError</c>): one inner
/// exception per failed engine, in target order, each a <see cref="RemoteException"/> or an
/// <see cref="EngineDiedException"/>.
/// </summary>
public sealed class RemoteAggregateException : AggregateException
{
    /// <summary>Creates the aggregate of <paramref name="failures"/>.</summary>
    /// <param name="failures">One exception per failed engine, in target order.</param>
    public RemoteAggregateException(IEnumerable<Exception> failures)
        : this(failures.ToArray())
    {
    }

    private RemoteAggregateException(Exception[] failures)
        : base($"{failures.Length} engines failed: {string.Join("; ", failures.Select(f => f.Message))}", failures)
    {
    }
}

/// <summary>
/// Thrown for a call whose engine process ended before it answered (killed, crashed, out of memory,
/// <c>Environment.FailFast</c>). The other engines keep working; <see cref="Cluster.RestartEngineAsync"/>
/// starts a fresh engine under the same id.
/// </summary>
public sealed class EngineDiedException : Exception
{
    /// <summary>Creates the exception for engine <paramref name="engineId"/>.</summary>
    /// <param name="engineId">The engine that died.</param>
    /// <param name="detail">What is known of how it ended.</param>
    public EngineDiedException(int engineId, string detail)
        : base($"Engine {engineId} died before it answered ({detail}). Restart it with cluster.RestartEngineAsync({engineId}) or leave it out of the view.")
    {
        EngineId = engineId;
    }

    /// <summary>Gets the id of the engine that died.</summary>
    public int EngineId { get; }
}
