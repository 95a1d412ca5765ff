using System.ComponentModel;
using System.Runtime.ExceptionServices;

namespace Parallax;

/// <summary>
/// A thread with Python's <c>threading.Thread</c> surface: created unstarted, then <see cref="Start"/>,
/// <see cref="Join()"/> (or <see cref="JoinAsync"/>), <see cref="IsAlive"/>, <see cref="Name"/>, <see cref="Ident"/>, <see cref="IsDaemon"/>.
/// <c>[Thread]</c> and <c>[Daemon]</c> generate factories that return one; a <c>[Thread]</c> class
/// holds one. An exception thrown on the thread is kept and rethrown, with its original stack trace,
/// by <see cref="Join()"/> (and faults <see cref="JoinAsync"/>'s task): it is never lost, and it never tears the process down as an unhandled
/// exception on a plain <see cref="System.Threading.Thread"/> would.
/// </summary>
/// <remarks>
/// Named <c>ThreadHandle</c>, not <c>Thread</c>, so that files with <c>using System.Threading;</c>
/// (most that use threads) compile without an alias; it is a handle to one OS thread.
/// Members are safe to call from any thread.
/// </remarks>
public sealed class ThreadHandle
{
    private const int Unstarted = 0;
    private const int Running = 1;
    private const int Finished = 2;

    private readonly Action? _target;
    private readonly Thread _thread;
    private readonly bool _wrapsExisting;
    private readonly string? _targetName;
    private readonly Lock _nameGate = new();

    // Null only for a [Thread] class's handle that nobody has named or asked the name of yet.
    private string? _name;
    private bool _daemon;
    private int _state;
    private ExceptionDispatchInfo? _error;

    // Created by the first JoinAsync only, so threads nobody awaits allocate nothing for it.
    private TaskCompletionSource? _ended;

    /// <summary>
    /// Creates an unstarted thread that runs <paramref name="target"/>, as Python's
    /// <c>Thread(target=f, name=..., daemon=...)</c>.
    /// </summary>
    /// <param name="target">What the thread runs.</param>
    /// <param name="name">The thread's name; <see langword="null"/> gives Python's default <c>Thread-N</c>.</param>
    /// <param name="daemon">
    /// <see langword="true"/> for a daemon (background) thread, which does not keep the process alive.
    /// </param>
    public ThreadHandle(Action target, string? name = null, bool daemon = false)
        : this(target, null, name, daemon)
    {
    }

    private ThreadHandle(Action target, string? targetName, string? name, bool daemon, bool lazyName = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _targetName = targetName;
        // Python numbers a thread when it is created without a name, so an eager default keeps the
        // numbers in creation order; only a class, which its constructor may name, waits.
        _name = name ?? (lazyName ? null : Threads.NextDefaultName(targetName));
        _daemon = daemon;
        _thread = new Thread(Body);
    }

    private ThreadHandle(Thread existing, string name)
    {
        _thread = existing;
        _wrapsExisting = true;
        _name = name;
        _daemon = existing.IsBackground;
        _state = Running;
    }

    /// <summary>
    /// Used by generated code: creates an unstarted thread whose default name names the method it
    /// runs, as Python's <c>Thread-N (prescript)</c>.
    /// </summary>
    /// <param name="target">Calls the annotated method with the factory's arguments.</param>
    /// <param name="targetName">The annotated method's name, for the default thread name, or <see langword="null"/> for a [Thread] class.</param>
    /// <param name="name">The name from the attribute, or <see langword="null"/> for the default.</param>
    /// <param name="daemon"><see langword="true"/> for <c>[Daemon]</c>.</param>
    /// <returns>The unstarted thread.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ThreadHandle ForMethod(Action target, string? targetName, string? name, bool daemon) =>
        new(target, targetName, name, daemon);

    /// <summary>
    /// Used by generated code for a [Thread] class: as <see cref="ForMethod"/>, but the default name
    /// <c>Thread-N</c> is taken only when the name is first needed, so a class whose constructor sets
    /// <see cref="Name"/> uses up no number, as a Python subclass that passes <c>name=</c> to
    /// <c>super().__init__</c> does not.
    /// </summary>
    /// <param name="target">Calls the class's <c>Run()</c>.</param>
    /// <param name="name">The name from the attribute, or <see langword="null"/> for the default.</param>
    /// <param name="daemon"><see langword="true"/> for <c>[Daemon]</c>.</param>
    /// <returns>The unstarted thread.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static ThreadHandle ForClass(Action target, string? name, bool daemon) =>
        new(target, null, name, daemon, lazyName: true);

    internal static ThreadHandle WrapExisting(Thread thread, string name) => new(thread, name);

    internal Thread OsThread => _thread;

    /// <summary>
    /// The thread's name. Python's <c>name</c> (<c>getName</c>/<c>setName</c>): only a label, not
    /// unique, settable at any time; it is also given to the OS thread for debuggers and profilers.
    /// </summary>
    public string Name
    {
        get => Volatile.Read(ref _name) ?? DefaultName();
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_nameGate)
            {
                Volatile.Write(ref _name, value);
            }

            if (Volatile.Read(ref _state) != Unstarted && !_wrapsExisting)
            {
                TryNameOsThread(value);
            }
        }
    }

    /// <summary>
    /// Python's <c>ident</c>: a number unique among the threads alive at the same time (it may be
    /// reused after a thread ends), or <see langword="null"/> before <see cref="Start"/>. It stays
    /// set after the thread ends.
    /// </summary>
    public int? Ident => Volatile.Read(ref _state) == Unstarted ? null : _thread.ManagedThreadId;

    /// <summary>
    /// Python's <c>is_alive()</c>: <see langword="true"/> from the moment <see cref="Start"/> returns
    /// until the thread's code has returned or thrown.
    /// </summary>
    public bool IsAlive => _wrapsExisting ? _thread.IsAlive : Volatile.Read(ref _state) == Running;

    /// <summary>
    /// Python's <c>daemon</c>: a daemon thread is a background thread, which does not keep the
    /// process alive; the process ends when only daemon threads remain.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set after the thread was started.</exception>
    public bool IsDaemon
    {
        get => Volatile.Read(ref _daemon);
        set
        {
            if (Volatile.Read(ref _state) != Unstarted)
            {
                throw new InvalidOperationException(
                    $"cannot set IsDaemon on thread '{Name}': it was already started. Set it before Start(), or use [Daemon] instead of [Thread].");
            }

            Volatile.Write(ref _daemon, value);
        }
    }

    /// <summary>
    /// The exception the thread's code ended with, or <see langword="null"/> while it runs or when it
    /// returned normally. <see cref="Join()"/> rethrows it.
    /// </summary>
    public Exception? Exception => Volatile.Read(ref _error)?.SourceException;

    /// <summary>
    /// Starts the thread, as Python's <c>start()</c>. When it returns, <see cref="IsAlive"/> is true
    /// and <see cref="Ident"/> is set, and the thread is listed by <see cref="Threads.Enumerate"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The thread was already started (Python raises <c>RuntimeError: threads can only be started once</c>).
    /// </exception>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, Running, Unstarted) != Unstarted)
        {
            throw new InvalidOperationException(
                $"threads can only be started once: thread '{Name}' was already started. Create a new thread (call the factory or the constructor again) to run the code again.");
        }

        _thread.IsBackground = Volatile.Read(ref _daemon);
        TryNameOsThread(Name);
        Threads.Register(this);
        try
        {
            _thread.Start();
        }
        catch
        {
            Threads.Unregister(this);
            Volatile.Write(ref _state, Finished);
            throw;
        }
    }

    /// <summary>
    /// Waits until the thread ends, as Python's <c>join()</c>, then rethrows the exception the
    /// thread's code ended with, if any, with its original stack trace.
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread was not started, or it is the calling thread.</exception>
    public void Join() => Join(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for the thread to end, as Python's <c>join(timeout)</c>.
    /// When it ended, rethrows the exception its code ended with, if any.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <returns><see langword="true"/> when the thread ended; <see langword="false"/> when the timeout elapsed first.</returns>
    /// <exception cref="InvalidOperationException">The thread was not started, or it is the calling thread.</exception>
    public bool Join(TimeSpan timeout)
    {
        if (Volatile.Read(ref _state) == Unstarted)
        {
            throw new InvalidOperationException($"cannot join thread '{Name}' before it is started: call Start() first.");
        }

        if (ReferenceEquals(Thread.CurrentThread, _thread))
        {
            throw new InvalidOperationException($"cannot join the current thread '{Name}': it would wait for itself for ever.");
        }

        if (!_thread.Join(timeout))
        {
            return false;
        }

        Volatile.Read(ref _error)?.Throw();
        return true;
    }

    /// <summary>
    /// Waits for the thread to end without blocking the caller, as <see cref="Join()"/> does while
    /// blocking: the task completes once the thread's code has returned (<see cref="IsAlive"/> is then
    /// false), or faults with the exception the thread's code ended with, which <c>await</c> rethrows.
    /// </summary>
    /// <param name="cancellationToken">
    /// Stops the wait, not the thread: the task is cancelled (awaiting it throws
    /// <see cref="OperationCanceledException"/>) and the thread runs on; join it again to wait for it.
    /// </param>
    /// <returns>A task that completes when the thread has ended.</returns>
    /// <exception cref="InvalidOperationException">The thread was not started, or it is the calling thread.</exception>
    public Task JoinAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _state) == Unstarted)
        {
            throw new InvalidOperationException($"cannot join thread '{Name}' before it is started: call Start() first.");
        }

        if (ReferenceEquals(Thread.CurrentThread, _thread))
        {
            throw new InvalidOperationException($"cannot join the current thread '{Name}': it would wait for itself for ever.");
        }

        var ended = _wrapsExisting
            // The main thread or a thread Parallax did not start: only the OS thread can say when it ends.
            ? Task.Factory.StartNew(() => _thread.Join(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : Ended();
        return cancellationToken.CanBeCanceled ? ended.WaitAsync(cancellationToken) : ended;
    }

    private Task Ended()
    {
        var source = Volatile.Read(ref _ended);
        if (source is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // A wait that was cancelled leaves this task unawaited; the exception reached ExceptHook and
            // Exception already, so it is marked observed rather than reported again as unobserved.
            _ = created.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            source = Interlocked.CompareExchange(ref _ended, created, null) ?? created;
        }

        // The thread may have ended before the source existed, and Body then found none to complete.
        if (Volatile.Read(ref _state) == Finished)
        {
            Complete(source);
        }

        return source.Task;
    }

    private void Complete(TaskCompletionSource source)
    {
        if (Volatile.Read(ref _error) is { } error)
        {
            source.TrySetException(error.SourceException);
        }
        else
        {
            source.TrySetResult();
        }
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var state = Volatile.Read(ref _state) switch
        {
            Unstarted => "initial",
            _ when IsAlive => "started " + Ident,
            _ => "stopped " + Ident,
        };
        return $"<ThreadHandle({Name}, {state}{(IsDaemon ? " daemon" : "")})>";
    }

    // Under the gate, so a name set at the same moment is never overwritten and no number is taken twice.
    private string DefaultName()
    {
        lock (_nameGate)
        {
            return _name ??= Threads.NextDefaultName(_targetName);
        }
    }

    private void TryNameOsThread(string name)
    {
        try
        {
            _thread.Name = name;
        }
        catch (InvalidOperationException)
        {
            // The OS-level name is a debugging aid only; Name is the source of truth.
        }
    }

    private void Body()
    {
        Threads.EnterThread(this);
        try
        {
            _target!();
        }
        catch (Exception e)
        {
            Volatile.Write(ref _error, ExceptionDispatchInfo.Capture(e));
            Threads.RaiseExceptHook(this, e);
        }
        finally
        {
            // Finished first, so that a Join that returns always sees IsAlive false; Enumerate skips
            // a finished thread that is still registered for this instant.
            // Interlocked (a full fence) so that either this thread sees the source a JoinAsync just
            // published, or that JoinAsync sees Finished and completes the source itself.
            Interlocked.Exchange(ref _state, Finished);
            Threads.Unregister(this);
            Threads.LeaveThread();
            if (Volatile.Read(ref _ended) is { } ended)
            {
                Complete(ended);
            }
        }
    }
}
