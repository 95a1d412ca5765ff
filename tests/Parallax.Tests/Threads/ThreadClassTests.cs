using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>The seed's MyThread: a [Thread] class whose Run() runs on the thread, named in its constructor.</summary>
[Thread]
public partial class MyThread
{
    private readonly ConcurrentQueue<string> _log;

    public MyThread(string num, ConcurrentQueue<string> log)
    {
        Name = "threddy" + num;
        Num = num;
        _log = log;
    }

    public string Num { get; }

    public ThreadHandle? SeenCurrent { get; private set; }

    private void Run()
    {
        SeenCurrent = Parallax.Threads.Current;
        _log.Enqueue("Thread " + Num);
    }
}

/// <summary>A daemon class: its thread does not keep the process alive.</summary>
[Daemon("pump")]
public partial class Pump
{
    public ManualResetEventSlim Gate { get; } = new();

    internal void Run() => Gate.Wait();
}

public class ThreadClassTests
{
    [Fact]
    public void Class_threads_start_join_and_see_themselves_as_current()
    {
        var log = new ConcurrentQueue<string>();
        var thread1 = new MyThread("1", log);
        var thread2 = new MyThread("2", log);
        Assert.Equal("threddy1", thread1.Name);
        Assert.False(thread1.IsDaemon);

        thread1.Start();
        thread2.Start();
        thread1.Join();
        thread2.Join();

        Assert.Equal(["Thread 1", "Thread 2"], log.Order());
        Assert.Same(thread1.Handle, thread1.SeenCurrent);
        Assert.False(thread1.IsAlive);
        Assert.NotEqual(thread1.Ident, thread2.Ident);
        Assert.Throws<InvalidOperationException>(thread1.Start);
    }

    [Fact]
    public void Daemon_class_has_the_attribute_name_and_a_background_thread()
    {
        var pump = new Pump();
        Assert.Equal("pump", pump.Name);
        Assert.True(pump.IsDaemon);
        pump.Start();
        Assert.True(pump.IsAlive);
        Assert.False(pump.Join(TimeSpan.Zero));
        pump.Gate.Set();
        pump.Join();
        Assert.False(pump.IsAlive);
    }
}
