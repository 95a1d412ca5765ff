using System.Diagnostics;
using System.Runtime.CompilerServices;
using Parallax.Engines.Farm;

namespace Parallax;

/// <summary>
/// The results of a map on a <see cref="LoadBalancedView"/>, as ipyparallel's <c>AsyncMapResult</c>:
/// awaitable (every value, in input order), enumerable with <c>await foreach</c> as results arrive
/// (in input order when the map is ordered), with progress (<see cref="Completed"/> of <see cref="Total"/>)
/// and <see cref="Cancel"/>.
/// </summary>
/// <typeparam name="T">The result type of one task.</typeparam>
/// <remarks>
/// When tasks fail, the map's exception is a <see cref="RemoteAggregateException"/> whose
/// <see cref="RemoteAggregateException.TaskIndices"/> name them; the other tasks' values still stream.
/// A cancelled map throws <see cref="OperationCanceledException"/>, or <see cref="EngineRestartedException"/>
/// when an engine had to be restarted to stop a task that ignored <see cref="Engine.CancellationToken"/>.
/// </remarks>
public sealed class AsyncMapResult<T> : IAsyncEnumerable<T>
{
    private readonly MapResults<T> results;
    private readonly Action cancel;
    private readonly bool ordered;
    private readonly long submitted = Stopwatch.GetTimestamp();
    private readonly CancellationTokenRegistration registration;
    private long finished;

    internal AsyncMapResult(MapResults<T> results, bool ordered, Action cancel, CancellationToken cancellationToken)
    {
        this.results = results;
        this.ordered = ordered;
        this.cancel = cancel;
        results.Task.ContinueWith(
            static (_, state) =>
            {
                var self = (AsyncMapResult<T>)state!;
                Volatile.Write(ref self.finished, Stopwatch.GetTimestamp());
                self.registration.Dispose();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        if (cancellationToken.CanBeCanceled)
        {
            registration = cancellationToken.UnsafeRegister(static state => ((AsyncMapResult<T>)state!).Cancel(), this);
        }
    }

    /// <summary>Gets the number of tasks: one per item.</summary>
    public int Total => results.Total;

    /// <summary>Gets the number of tasks that have finished, successfully or not.</summary>
    public int Completed => results.Completed;

    /// <summary>Gets whether the map is over: every task finished, or the map was cancelled and every engine has stopped its part.</summary>
    public bool IsReady => results.Task.IsCompleted;

    /// <summary>Gets the engine each task ran on, by task index; -1 for a task that has not finished.</summary>
    public IReadOnlyList<int> EngineIds => results.EngineIds;

    /// <summary>Gets the time from submission until the map was over, or until now while it runs.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(submitted, Volatile.Read(ref finished) is var end and not 0 ? end : Stopwatch.GetTimestamp());

    /// <summary>
    /// Stops the map, as cancelling its token does: tasks still waiting are dropped at once and never
    /// start; running ones are signalled through <see cref="Engine.CancellationToken"/>, and one that
    /// ignores it for <see cref="ClusterOptions.InterruptGrace"/> is stopped by restarting its engine.
    /// The map is over once every engine has stopped its part. Cancelling a finished map does nothing.
    /// </summary>
    public void Cancel() => cancel();

    /// <summary>Gets an awaiter for every value, in input order.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter<T[]> GetAwaiter() => results.Task.GetAwaiter();

    /// <summary>Waits until the map is over.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <returns><see langword="true"/> when the map was over within the timeout.</returns>
    public bool Wait(TimeSpan? timeout = null) => ((IAsyncResult)results.Task).AsyncWaitHandle.WaitOne(timeout ?? Timeout.InfiniteTimeSpan);

    /// <summary>Waits for every value, in input order.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <returns>One value per item, in input order.</returns>
    /// <exception cref="TimeoutException">The map was not over within <paramref name="timeout"/>; it goes on.</exception>
    /// <exception cref="RemoteAggregateException">Tasks failed; <see cref="RemoteAggregateException.TaskIndices"/> names them.</exception>
    /// <exception cref="OperationCanceledException">The map was cancelled.</exception>
    /// <exception cref="EngineRestartedException">The map was cancelled and an engine was restarted to stop a task.</exception>
    public T[] Get(TimeSpan? timeout = null)
    {
        if (!Wait(timeout))
        {
            throw new TimeoutException($"The map had finished {Completed} of {Total} tasks after {timeout}; it goes on: wait again, or Cancel() it.");
        }

        return results.Task.GetAwaiter().GetResult();
    }

    /// <summary>Waits asynchronously for every value, in input order.</summary>
    /// <param name="cancellationToken">Stops waiting; the map goes on (<see cref="Cancel"/> stops it).</param>
    /// <returns>One value per item, in input order.</returns>
    public Task<T[]> WaitAsync(CancellationToken cancellationToken = default) => results.Task.WaitAsync(cancellationToken);

    /// <summary>Streams the values as tasks finish: in input order for an ordered map, else in the order they arrive. Throws the map's exception after the last value it could give.</summary>
    /// <param name="cancellationToken">Stops the enumeration; the map goes on (<see cref="Cancel"/> stops it).</param>
    /// <returns>The enumerator.</returns>
    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        (ordered ? results.InOrder(cancellationToken) : results.AsArrived(cancellationToken)).GetAsyncEnumerator(cancellationToken);
}
