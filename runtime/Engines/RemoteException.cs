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
/// Thrown when several targets of one call failed, or when tasks of a map failed (ipyparallel's
/// <c>CompositeError</c>): one inner exception per failed engine, in target order, or per failed task,
/// in task order, each a <see cref="RemoteException"/>, an <see cref="EngineDiedException"/> or a
/// <see cref="TaskTimeoutException"/>. For a map, <see cref="TaskIndices"/> says which task each is.
/// </summary>
public sealed class RemoteAggregateException : AggregateException
{
    private const int Listed = 8;

    /// <summary>Creates the aggregate of <paramref name="failures"/>.</summary>
    /// <param name="failures">One exception per failed engine, in target order.</param>
    public RemoteAggregateException(IEnumerable<Exception> failures)
        : this(failures.ToArray())
    {
    }

    private RemoteAggregateException(Exception[] failures)
        : base($"{failures.Length} engines failed: {string.Join("; ", failures.Select(f => f.Message))}", failures)
    {
        TaskIndices = [];
    }

    private RemoteAggregateException(Exception[] failures, int[] taskIndices, int taskCount)
        : base(
            $"{failures.Length} of {taskCount} tasks failed: " +
            string.Join("; ", failures.Take(Listed).Select((f, i) => $"task {taskIndices[i]}: {f.Message}")) +
            (failures.Length > Listed ? $"; and {failures.Length - Listed} more (see TaskIndices and InnerExceptions)" : ""),
            failures)
    {
        TaskIndices = taskIndices;
    }

    /// <summary>Gets, for a map, the index of the task each of <see cref="AggregateException.InnerExceptions"/> belongs to (its item's position in the input), ascending; empty for a call on several engines.</summary>
    public IReadOnlyList<int> TaskIndices { get; }

    /// <summary>The aggregate of a map's failed tasks, ascending by task index.</summary>
    internal static RemoteAggregateException ForTasks(IReadOnlyList<(int Index, Exception Failure)> failures, int taskCount) =>
        new([.. failures.Select(f => f.Failure)], [.. failures.Select(f => f.Index)], taskCount);
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
        : this(engineId, detail, $"Engine {engineId} died before it answered ({detail}). Restart it with cluster.RestartEngineAsync({engineId}) or leave it out of the view.")
    {
    }

    private EngineDiedException(int engineId, string detail, string message)
        : base(message)
    {
        EngineId = engineId;
        Detail = detail;
    }

    /// <summary>Gets the id of the engine that died, or -1 when the call found no engine to run on.</summary>
    public int EngineId { get; }

    /// <summary>What is known of how the engine ended, as the message says it.</summary>
    internal string Detail { get; }

    /// <summary>For a task of a load-balanced view that no engine will run: every engine it may use is gone for good.</summary>
    internal static EngineDiedException NoEngine(int taskIndex, string engines) => new(
        -1,
        "no engine left",
        $"Task {taskIndex} cannot run: no engine of {engines} is alive or restarting. Restart engines with cluster.RestartEngineAsync(id), or use a view of live engines.");
}
