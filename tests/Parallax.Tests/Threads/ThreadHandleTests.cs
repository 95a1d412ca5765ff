using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>[Thread]/[Daemon] factories as the generator emits them for this project: start, join, failures.</summary>
public partial class ThreadHandleTests
{
    [Thread]
    private static void Record(ConcurrentQueue<string> log, string what, ManualResetEventSlim? gate)
    {
        gate?.Wait();
        log.Enqueue(what);
    }

    [Thread("named-by-attribute")]
    private static void Named()
    {
    }

    [Daemon]
    private static void Background(ManualResetEventSlim gate) => gate.Wait();

    [Thread]
    private static void Fail(string message) => throw new InvalidDataException(message);

    [Thread]
    private static async Task FailLaterAsync(string message)
    {
        await Task.Yield();
        throw new FormatException(message);
    }

    [Fact]
    public void Factory_returns_an_unstarted_thread_named_like_Pythons()
    {
        var first = RecordThread(new ConcurrentQueue<string>(), "x", null);
        var second = RecordThread(new ConcurrentQueue<string>(), "y", null);

        Assert.False(first.IsAlive);
        Assert.Null(first.Ident);
        Assert.False(first.IsDaemon);
        var n1 = int.Parse(first.Name["Thread-".Length..first.Name.IndexOf(' ')]);
        var n2 = int.Parse(second.Name["Thread-".Length..second.Name.IndexOf(' ')]);
        Assert.Equal($"Thread-{n1} (Record)", first.Name);
        Assert.True(n2 > n1, $"the counter is process-wide and increasing: {first.Name}, {second.Name}");
        Assert.Equal("named-by-attribute", NamedThread().Name);
    }

    [Fact]
    public void Join_waits_for_the_thread_and_publishes_its_writes()
    {
        var log = new ConcurrentQueue<string>();
        using var gate = new ManualResetEventSlim();
        var thread = RecordThread(log, "worker", gate);
        thread.Start();
        Assert.True(thread.IsAlive);
        Assert.NotNull(thread.Ident);

        log.Enqueue("main before release");
        gate.Set();
        thread.Join();
        log.Enqueue("main after join");

        Assert.False(thread.IsAlive);
        Assert.Equal(["main before release", "worker", "main after join"], log);
    }

    [Fact]
    public void Join_with_timeout_returns_false_while_the_thread_cannot_finish_then_true()
    {
        using var gate = new ManualResetEventSlim();
        var thread = RecordThread(new ConcurrentQueue<string>(), "blocked", gate);
        thread.Start();

        // The thread is blocked on the gate, so no timeout can see it finish: false is the only outcome.
        Assert.False(thread.Join(TimeSpan.FromMilliseconds(20)));
        Assert.True(thread.IsAlive);
        gate.Set();
        Assert.True(thread.Join(Timeout.InfiniteTimeSpan));
        Assert.False(thread.IsAlive);
    }

    [Fact]
    public void Exception_on_the_thread_is_rethrown_by_Join_with_its_stack()
    {
        var thread = FailThread("disk full");
        thread.Start();

        var e = Assert.Throws<InvalidDataException>(thread.Join);
        Assert.Equal("disk full", e.Message);
        Assert.Contains(nameof(Fail), e.StackTrace);
        Assert.Same(e, thread.Exception);
        Assert.Throws<InvalidDataException>(() => thread.Join(TimeSpan.Zero));
    }

    [Fact]
    public void Exception_of_an_async_entry_method_reaches_Join()
    {
        var thread = FailLaterAsyncThread("late");
        thread.Start();
        Assert.Equal("late", Assert.Throws<FormatException>(thread.Join).Message);
    }

    [Fact]
    public void Starting_twice_throws_and_joining_unstarted_throws()
    {
        var thread = NamedThread();
        var notStarted = Assert.Throws<InvalidOperationException>(thread.Join);
        Assert.Contains("before it is started", notStarted.Message);

        thread.Start();
        var twice = Assert.Throws<InvalidOperationException>(thread.Start);
        Assert.Contains("threads can only be started once", twice.Message);
        Assert.Contains("named-by-attribute", twice.Message);
        thread.Join();
    }

    [Fact]
    public void Daemon_factory_makes_a_background_thread_and_IsDaemon_is_fixed_once_started()
    {
        using var gate = new ManualResetEventSlim();
        var thread = BackgroundThread(gate);
        Assert.True(thread.IsDaemon);
        thread.Start();
        Assert.Throws<InvalidOperationException>(() => thread.IsDaemon = false);
        gate.Set();
        thread.Join();

        var plain = new ThreadHandle(() => { }) { IsDaemon = true };
        Assert.True(plain.IsDaemon);
    }

    [Fact]
    public void Name_can_be_changed_before_and_after_start()
    {
        using var gate = new ManualResetEventSlim();
        var thread = BackgroundThread(gate);
        thread.Name = "before";
        thread.Start();
        thread.Name = "after";
        Assert.Equal("after", thread.Name);
        gate.Set();
        thread.Join();
    }
}

/// <summary>ThreadHandle.JoinAsync: waits without blocking, surfaces the thread's exception, cancels only the wait.</summary>
public partial class JoinAsyncTests
{
    [Thread]
    private static void Hold(ManualResetEventSlim gate, ConcurrentQueue<string> log)
    {
        gate.Wait();
        log.Enqueue("thread done");
    }

    [Thread]
    private static void Throw(string message) => throw new InvalidDataException(message);

    [Fact]
    public async Task Completes_at_once_for_a_thread_that_already_ended()
    {
        using var gate = new ManualResetEventSlim(initialState: true);
        var thread = HoldThread(gate, new ConcurrentQueue<string>());
        thread.Start();
        thread.Join();

        var task = thread.JoinAsync();
        Assert.True(task.IsCompletedSuccessfully);
        await task;
    }

    [Fact]
    public async Task Completes_when_the_thread_ends_and_not_before()
    {
        using var gate = new ManualResetEventSlim();
        var log = new ConcurrentQueue<string>();
        var thread = HoldThread(gate, log);
        thread.Start();

        var task = thread.JoinAsync();
        // The thread is blocked on the gate, so the task cannot have completed.
        Assert.False(task.IsCompleted);
        gate.Set();
        await task;

        Assert.False(thread.IsAlive);
        Assert.Equal(["thread done"], log);
        // A second wait, and one with a token, see the same end.
        await thread.JoinAsync();
        await thread.JoinAsync(new CancellationTokenSource().Token);
    }

    [Fact]
    public async Task Surfaces_the_threads_exception()
    {
        var thread = ThrowThread("bad block");
        thread.Start();

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => thread.JoinAsync());
        Assert.Equal("bad block", e.Message);
        Assert.Same(thread.Exception, e);
        Assert.Contains(nameof(Throw), e.StackTrace);
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException_and_leaves_the_thread_running()
    {
        using var gate = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var log = new ConcurrentQueue<string>();
        var thread = HoldThread(gate, log);
        thread.Start();

        var wait = thread.JoinAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.True(wait.IsCanceled);

        // The thread never noticed: it is still blocked on the gate, then finishes its work.
        Assert.True(thread.IsAlive);
        Assert.Empty(log);
        gate.Set();
        await thread.JoinAsync();
        Assert.Equal(["thread done"], log);
        Assert.Null(thread.Exception);
    }

    [Fact]
    public void Unstarted_thread_cannot_be_joined()
    {
        var thread = ThrowThread("never");
        // Thrown by the call itself, as Join throws, not through the task: the caller's mistake, not the thread's.
        var e = Assert.Throws<InvalidOperationException>(() => { _ = thread.JoinAsync(); });
        Assert.Contains("before it is started", e.Message);
    }

    [Fact]
    public async Task Class_thread_forwards_JoinAsync()
    {
        var log = new ConcurrentQueue<string>();
        var thread = new MyThread("async", log);
        thread.Start();
        await thread.JoinAsync();
        Assert.False(thread.IsAlive);
        Assert.Equal(["Thread async"], log);
    }
}
