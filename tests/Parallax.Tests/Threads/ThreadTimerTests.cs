namespace Parallax.Tests.Threads;

/// <summary>ThreadTimer: fires once per start, cancels what is pending, restarts; no timing assertions.</summary>
public class ThreadTimerTests
{
    [Fact]
    public void Fires_once_per_start_and_can_be_started_again()
    {
        int fired = 0;
        var timer = new ThreadTimer(TimeSpan.Zero, () => Interlocked.Increment(ref fired));

        timer.Start().Join();
        Assert.Equal(1, Volatile.Read(ref fired));

        var a = timer.Start();
        var b = timer.Start();
        a.Join();
        b.Join();
        Assert.Equal(3, Volatile.Read(ref fired));

        timer.Cancel();
        timer.Start().Join();
        Assert.Equal(4, Volatile.Read(ref fired));
    }

    [Fact]
    public void Cancel_stops_a_pending_start_which_then_never_fires()
    {
        int fired = 0;
        using var timer = new ThreadTimer(TimeSpan.FromHours(1), () => Interlocked.Increment(ref fired));
        var pending = timer.Start();
        Assert.True(pending.IsAlive);

        timer.Cancel();
        pending.Join();
        Assert.Equal(0, Volatile.Read(ref fired));
        Assert.Equal(0, timer.PendingCount);

        var again = timer.Start();
        Assert.Equal(1, timer.PendingCount);
        timer.Dispose();
        again.Join();
        Assert.Equal(0, Volatile.Read(ref fired));
        Assert.Throws<ObjectDisposedException>(() => timer.Start());
    }

    [Fact]
    public void Callback_exception_reaches_Join_of_the_start_that_fired()
    {
        var timer = new ThreadTimer(TimeSpan.Zero, () => throw new TimeoutException("late"));
        var thread = timer.Start();
        Assert.Equal("late", Assert.Throws<TimeoutException>(thread.Join).Message);
    }

    [Fact]
    public void Daemon_timer_threads_are_background()
    {
        using var timer = new ThreadTimer(TimeSpan.FromHours(1), () => { }) { IsDaemon = true };
        var thread = timer.Start();
        Assert.True(thread.IsDaemon);
        timer.Cancel();
        thread.Join();
    }

    [Fact]
    public void Non_zero_interval_is_waited_then_the_callback_fires()
    {
        int fired = 0;

        // An hour: when Start returns, and for as long as this test runs, the interval cannot have
        // elapsed, so a callback that ran would prove the timer did not wait. Cancel then proves it never fires.
        using (var hour = new ThreadTimer(TimeSpan.FromHours(1), () => Interlocked.Increment(ref fired)))
        {
            var waiting = hour.Start();
            Assert.True(waiting.IsAlive);
            Assert.Equal(1, hour.PendingCount);
            Assert.False(waiting.Join(TimeSpan.FromMilliseconds(50)));
            Assert.Equal(0, Volatile.Read(ref fired));
            hour.Cancel();
            waiting.Join();
            Assert.Equal(0, Volatile.Read(ref fired));
        }

        // A short, non-zero interval fires once it has elapsed, with nothing left pending.
        using var shortTimer = new ThreadTimer(TimeSpan.FromMilliseconds(20), () => Interlocked.Increment(ref fired));
        shortTimer.Start().Join();
        Assert.Equal(1, Volatile.Read(ref fired));
        Assert.Equal(0, shortTimer.PendingCount);
    }

    [Fact]
    public void Timer_started_and_cancelled_from_other_threads()
    {
        int fired = 0;
        using var timer = new ThreadTimer(TimeSpan.Zero, () => Interlocked.Increment(ref fired));
        ThreadHandle? fromStarter = null;
        var starter = new ThreadHandle(() => fromStarter = timer.Start(), "starter");
        starter.Start();
        starter.Join();
        Assert.NotNull(fromStarter);
        Assert.NotSame(starter, fromStarter);
        fromStarter.Join();
        Assert.Equal(1, Volatile.Read(ref fired));

        using var hour = new ThreadTimer(TimeSpan.FromHours(1), () => Interlocked.Increment(ref fired));
        ThreadHandle? pending = null;
        var armer = new ThreadHandle(() => pending = hour.Start());
        armer.Start();
        armer.Join();
        var canceller = new ThreadHandle(hour.Cancel);
        canceller.Start();
        canceller.Join();
        pending!.Join();
        Assert.Equal(1, Volatile.Read(ref fired));
        Assert.Equal(0, hour.PendingCount);
    }

    [Fact]
    public void Timer_thread_is_listed_by_Enumerate_and_is_Current_while_its_callback_runs()
    {
        using var running = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        ThreadHandle? current = null;
        using var timer = new ThreadTimer(TimeSpan.Zero, () =>
        {
            current = Parallax.Threads.Current;
            running.Set();
            gate.Wait();
        });

        var thread = timer.Start();
        running.Wait();
        try
        {
            Assert.Contains(thread, Parallax.Threads.Enumerate());
            Assert.Same(thread, current);
            Assert.True(thread.IsAlive);
        }
        finally
        {
            gate.Set();
        }

        thread.Join();
        Assert.DoesNotContain(thread, Parallax.Threads.Enumerate());
    }

    [Fact]
    public void Negative_interval_is_rejected_with_its_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadTimer(TimeSpan.FromSeconds(-1), () => { }));
        Assert.Equal("interval", e.ParamName);
    }
}
