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
    public void Negative_interval_is_rejected_with_its_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ThreadTimer(TimeSpan.FromSeconds(-1), () => { }));
        Assert.Equal("interval", e.ParamName);
    }
}
