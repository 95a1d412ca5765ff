using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Parallax.Engines;

namespace Parallax;

/// <summary>
/// The outcome of a call on one or more engines, as ipyparallel's <c>AsyncResult</c>: awaitable,
/// pollable (<see cref="IsReady"/>, <see cref="Wait"/>), with per-engine timing and the output each
/// engine printed while it ran the call.
/// </summary>
public class AsyncResult
{
    private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action> releases = [];
    private bool released;
    private readonly int[] engineIds;
    private readonly EngineMetadata[] metadata;
    private readonly string[] stdout;
    private readonly string[] stderr;
    private readonly Exception?[] errors;
    private readonly CancellationToken cancellationToken;
    private readonly long submittedTimestamp = Stopwatch.GetTimestamp();
    private readonly List<Action> cleanups = [];
    private long completedTimestamp;
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
        remaining = this.engineIds.Length;
        if (remaining == 0)
        {
            Finish();
        }
    }

    internal static AsyncResult ForAction(IReadOnlyList<int> engineIds, CancellationToken cancellationToken) => new(engineIds, cancellationToken);

    /// <summary>Gets the engines the call ran on, in target order.</summary>
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
            return done.Task.Wait(timeout ?? Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (AggregateException)
        {
            return true; // answered, with a failure: Get and await report it
        }
    }

    /// <summary>Waits asynchronously until every target has answered; throws the remote exception when one failed.</summary>
    /// <param name="cancellationToken">Stops waiting; the engines finish the call.</param>
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

    private protected Task Completion => cancellationToken.CanBeCanceled ? done.Task.WaitAsync(cancellationToken) : done.Task;

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
    internal void Trace(FrameKind kind, string clusterId)
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

    private protected virtual void Combine()
    {
    }

    internal void Deliver(int index, ReplyMeta reply, ReadOnlySpan<byte> data)
    {
        metadata[index] = metadata[index] with { Started = new DateTime(reply.StartedTicks, DateTimeKind.Utc), Completed = new DateTime(reply.CompletedTicks, DateTimeKind.Utc) };
        stdout[index] = reply.Stdout;
        stderr[index] = reply.Stderr;
        if (reply.Error is { } error)
        {
            errors[index] = new RemoteException(engineIds[index], error.Type, error.Message, error.StackTrace);
        }
        else
        {
            try
            {
                DecodePart(index, data);
            }
            catch (Exception ex)
            {
                errors[index] = ex;
            }
        }

        Arrived();
    }

    internal void Fail(int index, Exception exception)
    {
        errors[index] = exception;
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
        var failures = errors.Where(e => e is not null).Select(e => e!).ToArray();
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
    /// <param name="cancellationToken">Stops waiting; the engines finish the call.</param>
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
