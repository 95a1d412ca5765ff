using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Parallax.Engines;
using Parallax.Engines.Transport;

namespace Parallax;

/// <summary>
/// The outcome of a call on one or more engines, as ipyparallel's <c>AsyncResult</c>: awaitable,
/// pollable (<see cref="IsReady"/>, <see cref="Wait"/>), with per-engine timing and the output each
/// engine printed while it ran the call. <see cref="Cancel"/> (or the token the call was made with)
/// stops a call that runs code: an engine drops it if it has not started it and cancels
/// <see cref="Engine.CancellationToken"/> if it runs, and restarts after
/// <see cref="ClusterOptions.InterruptGrace"/> if the code ignores that (<see cref="EngineRestartedException"/>).
/// </summary>
public class AsyncResult : IReplySink
{
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action> releases = [];
    private bool released;
    private readonly int[] engineIds;
    private readonly EngineMetadata[] metadata;
    private readonly string[] stdout;
    private readonly string[] stderr;
    private readonly Exception?[] errors;
    private readonly int[] answered;
    private readonly CancellationToken cancellationToken;
    private CancellationTokenRegistration registration;
    private ISentRequest? sent;
    private Action? stop;
    private bool cancelsWork;
    private int cancelRequested;
    private readonly long submittedTimestamp = Stopwatch.GetTimestamp();
    private readonly List<Action> cleanups = [];
    private long completedTimestamp;
    private Exception? whole;
    private long pollTicks;
    private int remaining;
    private string? operation;
    private Activity? activity;

    private protected AsyncResult(IReadOnlyList<int> engineIds, CancellationToken cancellationToken)
    {
        this.engineIds = [.. engineIds];
        this.cancellationToken = cancellationToken;
        var now = DateTime.UtcNow;
        metadata = [.. this.engineIds.Select(id => new EngineMetadata(id, now, null, null))];
        stdout = [.. this.engineIds.Select(_ => "")];
        stderr = [.. stdout];
        errors = new Exception?[this.engineIds.Length];
        answered = new int[this.engineIds.Length];
        remaining = this.engineIds.Length;
        if (remaining > 0 && cancellationToken.CanBeCanceled)
        {
            registration = cancellationToken.UnsafeRegister(static state => ((AsyncResult)state!).Cancel(), this);
        }
    }

    internal static AsyncResult ForAction(IReadOnlyList<int> engineIds, CancellationToken cancellationToken)
    {
        var result = new AsyncResult(engineIds, cancellationToken);
        result.FinishIfNoTargets();
        return result;
    }

    /// <summary>Gets the engines the call ran on, in target order; for a load-balanced call, -1 until it is sent to an engine.</summary>
    public IReadOnlyList<int> EngineIds => engineIds;

    /// <summary>Gets whether every target has answered (successfully or not).</summary>
    public bool IsReady => done.Task.IsCompleted;

    /// <summary>Gets whether every target finished without an exception.</summary>
    /// <exception cref="InvalidOperationException">The call is not <see cref="IsReady"/> yet.</exception>
    public bool IsSuccessful => IsReady
        ? done.Task.IsCompletedSuccessfully
        : throw new InvalidOperationException("The call has not finished on every engine yet: check IsReady, or Wait() first.");

    /// <summary>Gets the time from submission to the last answer, or until now while the call runs.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(submittedTimestamp, Volatile.Read(ref completedTimestamp) is var end and not 0 ? end : Stopwatch.GetTimestamp());

    /// <summary>Gets when each target received, started and finished the call, in target order.</summary>
    public IReadOnlyList<EngineMetadata> Metadata => metadata;

    /// <summary>Gets what each target wrote to <see cref="Console.Out"/> during the call, in target order.</summary>
    public IReadOnlyList<string> Stdout => stdout;

    /// <summary>Gets what each target wrote to <see cref="Console.Error"/> during the call, in target order.</summary>
    public IReadOnlyList<string> Stderr => stderr;

    /// <summary>Waits until every target has answered.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <returns><see langword="true"/> when every target answered within the timeout.</returns>
    public bool Wait(TimeSpan? timeout = null)
    {
        // A short call answers within microseconds: polling first spares the caller a sleep and a wake-up
        // (ClusterOptions.ReceivePolling), which on a small machine cost more than the call.
        if (pollTicks > 0 && !done.Task.IsCompleted)
        {
            var start = Stopwatch.GetTimestamp();
            while (!done.Task.IsCompleted && Stopwatch.GetTimestamp() - start < pollTicks)
            {
                Thread.Yield();
            }
        }

        try
        {
            return done.Task.Wait(timeout ?? Timeout.InfiniteTimeSpan);
        }
        catch (AggregateException)
        {
            return true; // answered, with a failure: Get and await report it
        }
    }

    /// <summary>Waits asynchronously until every target has answered; throws the remote exception when one failed.</summary>
    /// <param name="cancellationToken">Stops waiting; the call goes on (<see cref="Cancel"/> stops it).</param>
    /// <returns>A task that completes with the call.</returns>
    public Task WaitAsync(CancellationToken cancellationToken = default) =>
        Completion.WaitAsync(cancellationToken);

    /// <summary>Waits for every target to finish; throws the remote exception when one failed.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <exception cref="TimeoutException">Not every target answered within <paramref name="timeout"/>.</exception>
    /// <exception cref="RemoteException">A target's code threw.</exception>
    /// <exception cref="RemoteAggregateException">Several targets failed.</exception>
    /// <exception cref="EngineDiedException">A target's process ended before it answered.</exception>
    public void Get(TimeSpan? timeout = null) => WaitOrThrow(timeout);

    /// <summary>Gets an awaiter that completes when every target has finished.</summary>
    /// <returns>The awaiter.</returns>
    public TaskAwaiter GetAwaiter() => Completion.GetAwaiter();

    /// <summary>
    /// Stops the call, as cancelling the token it was made with does. A call that runs code is dropped by
    /// an engine that has not started it and signalled through <see cref="Engine.CancellationToken"/> on
    /// one that runs it; the result completes once every engine has stopped, with an
    /// <see cref="OperationCanceledException"/>, or an <see cref="EngineRestartedException"/> for an engine
    /// that had to be restarted because the code ignored the signal for <see cref="ClusterOptions.InterruptGrace"/>.
    /// Targets that had already answered keep their answer. A push or pull completes at once as cancelled
    /// (an engine that has not started it drops it). Cancelling a finished call does nothing.
    /// </summary>
    public void Cancel()
    {
        if (done.Task.IsCompleted || Interlocked.Exchange(ref cancelRequested, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref stop) is { } stopWork)
        {
            stopWork();
            return;
        }

        if (Volatile.Read(ref sent) is { } request)
        {
            CancelSent(request);
        }
        else if (!cancelsWork)
        {
            FailUnanswered();
        }
    }

    /// <summary>Gets whether <see cref="Cancel"/> was called or the call's token cancelled.</summary>
    internal bool IsCancelRequested => Volatile.Read(ref cancelRequested) != 0;

    /// <summary>Makes <see cref="Cancel"/> wait for the engines to stop the call's work instead of completing the result at once: for calls that run code. Set before the call is sent.</summary>
    internal void CancelsWork() => cancelsWork = true;

    /// <summary>Records the request as the transport sent it, to cancel it; cancels it at once when the result was cancelled while it was being sent.</summary>
    internal void Sent(ISentRequest request)
    {
        Volatile.Write(ref sent, request);
        if (IsCancelRequested && Volatile.Read(ref stop) is null)
        {
            CancelSent(request);
        }
    }

    /// <summary>Makes <see cref="Cancel"/> run <paramref name="stopWork"/> instead (a load-balanced call cancels its task in the farm, a map its parts); at most once.</summary>
    internal void StopWith(Action stopWork)
    {
        Volatile.Write(ref stop, stopWork);
        if (IsCancelRequested)
        {
            stopWork();
        }
    }

    /// <summary>Names the engine a load-balanced call was sent to.</summary>
    internal void AssignEngine(int index, int engineId)
    {
        engineIds[index] = engineId;
        metadata[index] = metadata[index] with { EngineId = engineId };
    }

    private void CancelSent(ISentRequest request)
    {
        for (var i = 0; i < answered.Length; i++)
        {
            if (Volatile.Read(ref answered[i]) == 0)
            {
                request.Cancel(i);
            }
        }

        if (!cancelsWork)
        {
            FailUnanswered();
        }
    }

    private void FailUnanswered()
    {
        for (var i = 0; i < answered.Length; i++)
        {
            Fail(i, new OperationCanceledException(cancellationToken.IsCancellationRequested ? cancellationToken : CancellationToken.None));
        }
    }

    /// <summary>Prints each target's captured output as ipyparallel's <c>display_outputs()</c>: <c>[stdout:0] …</c>, then <c>[stderr:0] …</c>.</summary>
    /// <param name="writer">Where to print; <see cref="Console.Out"/> when <see langword="null"/>.</param>
    public void DisplayOutputs(TextWriter? writer = null)
    {
        writer ??= Console.Out;
        for (var i = 0; i < engineIds.Length; i++)
        {
            foreach (var (stream, text) in new[] { ("stdout", stdout[i]), ("stderr", stderr[i]) })
            {
                if (text.Length > 0)
                {
                    writer.Write($"[{stream}:{engineIds[i]}] ");
                    writer.Write(text);
                    if (!text.EndsWith('\n'))
                    {
                        writer.WriteLine();
                    }
                }
            }
        }
    }

    private protected Task Completion => done.Task;

    private protected void WaitOrThrow(TimeSpan? timeout)
    {
        if (!Wait(timeout))
        {
            throw new TimeoutException($"The call on engines [{string.Join(", ", engineIds)}] did not finish within {timeout}. It keeps running: poll IsReady or Wait again.");
        }

        if (done.Task.Exception is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure.InnerException!);
        }
    }

    /// <summary>How long a synchronous <see cref="Wait"/> polls before it blocks; set by the client that sends the call.</summary>
    internal TimeSpan Polling
    {
        set => Volatile.Write(ref pollTicks, (long)(value.TotalSeconds * Stopwatch.Frequency));
    }

    /// <summary>
    /// Reports this call to listeners of the <c>Parallax.Engines</c> activity source and meter: an activity
    /// from now to the last answer, the requests sent, and the call's duration. The activity does not
    /// become <see cref="Activity.Current"/> for the caller, whose later work is not part of the call.
    /// </summary>
    internal void Trace(RequestKind kind, string clusterId)
    {
        var name = EngineTelemetry.Operation(kind);
        EngineTelemetry.Requests.Add(engineIds.Length, new KeyValuePair<string, object?>("parallax.operation", name));
        if (done.Task.IsCompleted)
        {
            return;
        }

        operation = name;
        if (EngineTelemetry.Source.HasListeners())
        {
            var caller = Activity.Current;
            activity = EngineTelemetry.Source.StartActivity("parallax." + name, ActivityKind.Client);
            Activity.Current = caller;
            activity?.SetTag("parallax.operation", name);
            activity?.SetTag("parallax.cluster.id", clusterId);
            activity?.SetTag("parallax.engine.ids", string.Join(",", engineIds));
        }
    }

    /// <summary>Runs once every target has answered, before waiters see the result: returns the shared memory the call used.</summary>
    internal void ReleaseWhenDone(Action release)
    {
        lock (cleanups)
        {
            if (!released)
            {
                releases.Add(release);
                return;
            }
        }

        release();
    }

    /// <summary>Runs once the call is over on every target and its result is set.</summary>
    internal void OnFinished(Action cleanup)
    {
        lock (cleanups)
        {
            if (!done.Task.IsCompleted)
            {
                cleanups.Add(cleanup);
                return;
            }
        }

        cleanup();
    }

    /// <summary>Decodes one target's result bytes; called on that engine's receive thread, so engines' results decode in parallel.</summary>
    private protected virtual void DecodePart(int index, ReadOnlySpan<byte> data)
    {
    }

    /// <summary>As the other overload, for a subclass that wants when the engine ran the call and what it printed.</summary>
    private protected virtual void DecodePart(int index, ReadOnlySpan<byte> data, in EngineReply reply) => DecodePart(index, data);

    /// <summary>Lets a subclass take target <paramref name="index"/>'s failure itself; true keeps it out of this result's outcome.</summary>
    private protected virtual bool Handles(int index, Exception exception) => false;

    private protected virtual void Combine()
    {
    }

    void IReplySink.Answered(int index, in EngineReply reply, ReadOnlySpan<byte> result) => Answered(index, reply, result);

    void IReplySink.Failed(int index, Exception exception) => Fail(index, exception);

    void IReplySink.ReleaseWhenDone(Action release) => ReleaseWhenDone(release);

    /// <summary>
    /// Target <paramref name="index"/> answered: its timing and output are kept, and its result decoded unless
    /// its code threw. A second answer for the same target (after a cancel failed it, say) is ignored.
    /// </summary>
    internal void Answered(int index, in EngineReply reply, ReadOnlySpan<byte> data)
    {
        if (Interlocked.Exchange(ref answered[index], 1) != 0)
        {
            return;
        }

        metadata[index] = metadata[index] with { Started = reply.Started, Completed = reply.Completed };
        stdout[index] = reply.Stdout;
        stderr[index] = reply.Stderr;
        if (reply.Error is { } error)
        {
            var failure = CancelledOrRemote(index, error);
            if (!Handles(index, failure))
            {
                errors[index] = failure;
            }
        }
        else
        {
            try
            {
                DecodePart(index, data, reply);
            }
            catch (Exception ex)
            {
                errors[index] = ex;
            }
        }

        Arrived();
    }

    /// <summary>An engine's <see cref="OperationCanceledException"/> for a call the client cancelled is that cancellation, not a remote failure.</summary>
    private Exception CancelledOrRemote(int index, Exception error) =>
        IsCancelRequested && error is RemoteException { RemoteType: "System.OperationCanceledException" or "System.Threading.Tasks.TaskCanceledException" } remote
            ? new OperationCanceledException($"The call was cancelled on engine {engineIds[index]}: {remote.RemoteMessage}")
            : error;

    /// <summary>
    /// A call on no engines is over as soon as it exists. Run by the most derived constructor, never by
    /// the base one: finishing combines the parts, which needs the derived class's combiner set.
    /// </summary>
    private protected void FinishIfNoTargets()
    {
        if (engineIds.Length == 0)
        {
            Finish();
        }
    }

    /// <summary>
    /// Ends the whole call with one exception, for a call that never reached its targets (a code string
    /// that did not compile, or whose first phase failed): no target may deliver after this.
    /// </summary>
    internal void FailAll(Exception exception)
    {
        whole = exception;
        if (Interlocked.Exchange(ref remaining, 0) > 0)
        {
            Finish();
        }
    }

    /// <summary>Target <paramref name="index"/> failed; ignored when it has answered already.</summary>
    internal void Fail(int index, Exception exception)
    {
        if (Interlocked.Exchange(ref answered[index], 1) != 0)
        {
            return;
        }

        if (!Handles(index, exception))
        {
            errors[index] = exception;
        }

        Arrived();
    }

    private void Arrived()
    {
        if (Interlocked.Decrement(ref remaining) == 0)
        {
            Finish();
        }
    }

    private void Report(Exception[] failures)
    {
        var errorType = failures.Length == 0 ? null : failures.Length == 1 ? failures[0].GetType().FullName : typeof(RemoteAggregateException).FullName;
        if (errorType is null)
        {
            EngineTelemetry.Duration.Record(Elapsed.TotalSeconds, new KeyValuePair<string, object?>("parallax.operation", operation));
        }
        else
        {
            EngineTelemetry.Duration.Record(Elapsed.TotalSeconds, new KeyValuePair<string, object?>("parallax.operation", operation), new KeyValuePair<string, object?>("error.type", errorType));
        }

        if (activity is not null)
        {
            if (errorType is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, failures[0].Message);
                activity.SetTag("error.type", errorType);
            }

            activity.Stop();
        }
    }

    private void Finish()
    {
        Volatile.Write(ref completedTimestamp, Stopwatch.GetTimestamp());
        registration.Dispose();
        var failures = whole is { } all ? [all] : errors.Where(e => e is not null).Select(e => e!).ToArray();
        if (failures.Length == 0)
        {
            try
            {
                Combine();
            }
            catch (Exception ex)
            {
                failures = [ex];
            }
        }

        // Shared memory the call used goes back before anyone waiting sees the result: whoever
        // continues after Get() finds the segments unlinked or back in their pool.
        Action[] releases;
        lock (cleanups)
        {
            releases = [.. this.releases];
            this.releases.Clear();
            released = true;
        }

        foreach (var release in releases)
        {
            release();
        }

        if (operation is not null)
        {
            Report(failures);
        }

        Action[] toRun;
        lock (cleanups)
        {
            toRun = [.. cleanups];
            cleanups.Clear();
            switch (failures.Length)
            {
                case 0: done.SetResult(); break;
                case 1: done.SetException(failures[0]); break;

                // Every target stopped by the same cancellation: one OperationCanceledException, not an aggregate.
                case > 1 when failures.All(f => f is OperationCanceledException and not EngineRestartedException):
                    done.SetException(failures[0]);
                    break;
                default: done.SetException(new RemoteAggregateException(failures)); break;
            }
        }

        foreach (var cleanup in toRun)
        {
            cleanup();
        }
    }
}

/// <summary>The outcome of a call that returns a value, as ipyparallel's <c>AsyncResult</c>. Awaitable.</summary>
/// <typeparam name="T">The result: one value for a single engine, an array for a view on several.</typeparam>
public sealed class AsyncResult<T> : AsyncResult
{
    private readonly Func<int, ReadOnlySpan<byte>, object?> decodePart;
    private readonly Func<object?[], T> combine;
    private readonly object?[] parts;
    private Task<T>? typed;
    private T value = default!;

    internal AsyncResult(IReadOnlyList<int> engineIds, CancellationToken cancellationToken, Func<ReadOnlySpan<byte>, object?> decodePart, Func<object?[], T> combine)
        : this(engineIds, cancellationToken, (_, data) => decodePart(data), combine)
    {
    }

    /// <summary>As the other constructor, with a decoder told which target's part it decodes.</summary>
    internal AsyncResult(IReadOnlyList<int> engineIds, CancellationToken cancellationToken, Func<int, ReadOnlySpan<byte>, object?> decodePart, Func<object?[], T> combine)
        : base(engineIds, cancellationToken)
    {
        this.decodePart = decodePart;
        this.combine = combine;
        parts = new object?[engineIds.Count];
        FinishIfNoTargets();
    }

    /// <summary>Gets an awaiter for the result.</summary>
    /// <returns>The awaiter.</returns>
    public new TaskAwaiter<T> GetAwaiter() => (typed ??= Typed()).GetAwaiter();

    /// <summary>Waits for the result; throws the remote exception when a target failed.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <returns>The result.</returns>
    /// <exception cref="TimeoutException">Not every target answered within <paramref name="timeout"/>.</exception>
    /// <exception cref="RemoteException">A target's code threw.</exception>
    /// <exception cref="RemoteAggregateException">Several targets failed.</exception>
    /// <exception cref="EngineDiedException">A target's process ended before it answered.</exception>
    public new T Get(TimeSpan? timeout = null)
    {
        WaitOrThrow(timeout);
        return value;
    }

    /// <summary>Waits asynchronously for the result.</summary>
    /// <param name="cancellationToken">Stops waiting; the call goes on (<see cref="AsyncResult.Cancel"/> stops it).</param>
    /// <returns>The result.</returns>
    public new async Task<T> WaitAsync(CancellationToken cancellationToken = default)
    {
        await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return value;
    }

    private async Task<T> Typed()
    {
        await Completion.ConfigureAwait(false);
        return value;
    }

    private protected override void DecodePart(int index, ReadOnlySpan<byte> data) => parts[index] = decodePart(index, data);

    private protected override void Combine()
    {
        value = combine(parts);
        Array.Clear(parts);
    }
}
