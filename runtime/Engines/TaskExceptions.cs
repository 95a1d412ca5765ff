namespace Parallax;

/// <summary>
/// Thrown for a task of a <see cref="LoadBalancedView"/> that ran longer than its timeout. The task was
/// cancelled on its engine (<see cref="Engine.CancellationToken"/>); one that ignored the cancellation
/// was stopped by restarting its engine, as for any cancellation.
/// </summary>
public sealed class TaskTimeoutException : TimeoutException
{
    /// <summary>Creates the exception for task <paramref name="taskIndex"/>.</summary>
    /// <param name="taskIndex">The task's index: its item's position in the map's input, or 0 for an apply.</param>
    /// <param name="engineId">The engine the task ran on.</param>
    /// <param name="timeout">The time the task was allowed.</param>
    public TaskTimeoutException(int taskIndex, int engineId, TimeSpan timeout)
        : base($"Task {taskIndex} ran on engine {engineId} for longer than its timeout of {timeout}; it was cancelled there. Raise the timeout, or split the work into shorter tasks.")
    {
        TaskIndex = taskIndex;
        EngineId = engineId;
        Timeout = timeout;
    }

    /// <summary>Gets the task's index: its item's position in the map's input, or 0 for an apply.</summary>
    public int TaskIndex { get; }

    /// <summary>Gets the engine the task ran on.</summary>
    public int EngineId { get; }

    /// <summary>Gets the time the task was allowed.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>
/// Thrown for a call that was cancelled while it ran and did not stop within
/// <see cref="ClusterOptions.InterruptGrace"/>: its engine was restarted to stop it, so the engine's
/// namespace (everything pushed to it or set there) is gone. The restarted engine serves calls again
/// under the same id. It is an <see cref="OperationCanceledException"/>: code that handles a
/// cancellation handles it; code that keeps state on engines checks for it and pushes that state again.
/// </summary>
public sealed class EngineRestartedException : OperationCanceledException
{
    /// <summary>Creates the exception for engine <paramref name="engineId"/>.</summary>
    /// <param name="engineId">The engine that was restarted.</param>
    /// <param name="grace">How long the call had to stop by itself.</param>
    public EngineRestartedException(int engineId, TimeSpan grace)
        : base($"The call was cancelled on engine {engineId} and did not stop within {grace}, so the engine was restarted: its namespace is lost (push the variables again). " +
            "Code that checks Engine.CancellationToken stops without a restart; ClusterOptions.InterruptGrace sets how long to wait for it.")
    {
        EngineId = engineId;
        Grace = grace;
    }

    /// <summary>Gets the id of the engine that was restarted.</summary>
    public int EngineId { get; }

    /// <summary>Gets how long the call had to stop by itself before the restart.</summary>
    public TimeSpan Grace { get; }
}
