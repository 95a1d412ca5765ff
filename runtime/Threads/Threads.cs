using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Parallax;

/// <summary>
/// Python's <c>threading</c> module functions: <c>current_thread()</c>, <c>active_count()</c>,
/// <c>enumerate()</c> and <c>excepthook</c>, over the threads Parallax started.
/// </summary>
public static class Threads
{
    private static readonly ConcurrentDictionary<ThreadHandle, byte> Live = new(ReferenceEqualityComparer.Instance);

    // The first thread that touches Parallax's threading API; in a console app, the one running Main.
    // .NET has no portable notion of "the main thread", and Python's is likewise the thread that
    // imported threading.
    private static readonly ThreadHandle MainHandle = ThreadHandle.WrapExisting(Thread.CurrentThread, "MainThread");

    private static readonly ConditionalWeakTable<Thread, ThreadHandle> Dummies = new();

    [ThreadStatic]
    private static ThreadHandle? _current;

    private static int _counter;
    private static int _dummyCounter;

    /// <summary>
    /// Python's <c>current_thread()</c>: the handle of the calling thread. On a thread Parallax did
    /// not start (a thread-pool thread, a plain <see cref="Thread"/>) it is a handle named
    /// <c>Dummy-N</c> that wraps it, as Python's <c>_DummyThread</c>; such a handle cannot be started
    /// and is not listed by <see cref="Enumerate"/>.
    /// </summary>
    public static ThreadHandle Current
    {
        get
        {
            if (_current is { } current)
            {
                return current;
            }

            var thread = Thread.CurrentThread;
            return ReferenceEquals(thread, MainHandle.OsThread) ? MainHandle : Dummies.GetValue(thread, static t => ThreadHandle.WrapExisting(t, "Dummy-" + Interlocked.Increment(ref _dummyCounter)));
        }
    }

    /// <summary>
    /// Python's <c>main_thread()</c>: the handle of the main thread, named <c>MainThread</c>. That is
    /// the first thread that used Parallax's threading API: in a console app, the one running Main.
    /// </summary>
    public static ThreadHandle MainThread => MainHandle;

    /// <summary>Python's <c>active_count()</c>: how many threads <see cref="Enumerate"/> lists right now.</summary>
    public static int ActiveCount => Enumerate().Count;

    /// <summary>
    /// Python's <c>enumerate()</c>: the main thread, then every Parallax thread that is alive, in no
    /// particular order. A snapshot: threads may start or end while the caller reads it.
    /// </summary>
    /// <returns>The handles of the live threads.</returns>
    public static IReadOnlyList<ThreadHandle> Enumerate()
    {
        var list = new List<ThreadHandle>(Live.Count + 1);
        if (MainHandle.IsAlive)
        {
            list.Add(MainHandle);
        }

        foreach (var handle in Live.Keys)
        {
            if (handle.IsAlive)
            {
                list.Add(handle);
            }
        }

        return list;
    }

    /// <summary>
    /// Python's <c>threading.excepthook</c>: called on a Parallax thread whose code threw, with that
    /// thread and the exception, before <see cref="ThreadHandle.Join()"/> rethrows it. The default
    /// writes <c>Exception in thread NAME:</c> and the exception to standard error, as Python does, so
    /// an exception on a thread nobody joins is still seen. Set <see langword="null"/> to stay silent.
    /// The hook runs on the failing thread; an exception it throws is ignored.
    /// </summary>
    public static Action<ThreadHandle, Exception>? ExceptHook { get; set; } = static (thread, exception) =>
        Console.Error.WriteLine($"Exception in thread {thread.Name}:{Environment.NewLine}{exception}");

    internal static string NextDefaultName(string? targetName)
    {
        int n = Interlocked.Increment(ref _counter);
        return targetName is null ? $"Thread-{n}" : $"Thread-{n} ({targetName})";
    }

    internal static void Register(ThreadHandle handle) => Live.TryAdd(handle, 0);

    internal static void Unregister(ThreadHandle handle) => Live.TryRemove(handle, out _);

    internal static void EnterThread(ThreadHandle handle) => _current = handle;

    internal static void LeaveThread() => _current = null;

    internal static void RaiseExceptHook(ThreadHandle thread, Exception exception)
    {
        try
        {
            ExceptHook?.Invoke(thread, exception);
        }
        catch (Exception)
        {
            // A failing hook must not replace the thread's own exception, which Join still rethrows.
        }
    }
}
