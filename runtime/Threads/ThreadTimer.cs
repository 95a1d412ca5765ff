namespace Parallax;

/// <summary>
/// Python's <c>threading.Timer(interval, function)</c>, made reusable: create it once, then
/// <see cref="Start"/> it from anywhere, as often as needed; each start runs the callback once,
/// <see cref="Interval"/> later, on a thread of its own, unless <see cref="Cancel"/> comes first.
/// </summary>
/// <remarks>
/// Thread safety: every member may be called from any thread at the same time. Starts are
/// independent: two starts in a row fire twice. <see cref="Cancel"/> stops every start that has not
/// fired yet; once it returns, none of them runs the callback (a callback already running finishes).
/// A later <see cref="Start"/> arms the timer again. The callback may run on several threads at once
/// when starts overlap, so it must be thread-safe itself if they can. Like Python's, a pending timer
/// is a foreground thread and keeps the process alive unless <see cref="IsDaemon"/> is set.
/// </remarks>
public sealed class ThreadTimer : IDisposable
{
    private readonly Action _callback;
    private readonly object _gate = new();
    private CancellationTokenSource _generation = new();
    private int _pending;
    private bool _disposed;

    /// <summary>Creates an unarmed timer, as Python's <c>threading.Timer(interval, function)</c>.</summary>
    /// <param name="interval">How long after each <see cref="Start"/> the callback runs; zero or more.</param>
    /// <param name="callback">What runs when the interval has elapsed.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is negative.</exception>
    public ThreadTimer(TimeSpan interval, Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (interval < TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "a timer's interval must be zero or positive, for example TimeSpan.FromSeconds(5).");
        }

        Interval = interval;
        _callback = callback;
    }

    /// <summary>How long after each <see cref="Start"/> the callback runs.</summary>
    public TimeSpan Interval { get; }

    /// <summary>
    /// Whether the timer's threads are daemons, which do not keep the process alive while they wait.
    /// Default <see langword="false"/>, as in Python. Applies to later starts.
    /// </summary>
    public bool IsDaemon { get; set; }

    /// <summary>How many starts are waiting for their interval to elapse right now.</summary>
    public int PendingCount => Volatile.Read(ref _pending);

    /// <summary>
    /// Arms the timer once: after <see cref="Interval"/> the callback runs on the returned thread,
    /// unless <see cref="Cancel"/> is called first. Join the returned handle to wait for the callback
    /// and to see an exception it threw.
    /// </summary>
    /// <returns>The started thread that waits and then runs the callback.</returns>
    /// <exception cref="ObjectDisposedException">The timer was disposed.</exception>
    public ThreadHandle Start()
    {
        CancellationToken token;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            token = _generation.Token;
            _pending++;
        }

        // Named Thread-N with no target suffix, as CPython names a Timer (a Thread subclass without a target).
        var thread = ThreadHandle.ForMethod(() => Fire(token), targetName: null, name: null, IsDaemon);
        try
        {
            thread.Start();
        }
        catch
        {
            lock (_gate)
            {
                _pending--;
            }

            throw;
        }

        return thread;
    }

    /// <summary>
    /// Python's <c>cancel()</c>: every start that has not fired yet never will. The timer can be
    /// started again afterwards.
    /// </summary>
    public void Cancel()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Not disposed: a timer thread that has not reached its wait yet still reads the token's
            // wait handle, and a source without registrations holds nothing the GC cannot free.
            _generation.Cancel();
            _generation = new CancellationTokenSource();
        }
    }

    /// <summary>Cancels every pending start; the timer cannot be started again.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _generation.Cancel();
        }
    }

    private void Fire(CancellationToken token)
    {
        token.WaitHandle.WaitOne(Interval);
        lock (_gate)
        {
            _pending--;
            // Checked under the gate, so a Cancel that returned before this point always wins.
            if (token.IsCancellationRequested)
            {
                return;
            }
        }

        _callback();
    }
}
