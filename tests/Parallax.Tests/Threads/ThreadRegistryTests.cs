using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>Parallax.Threads.Current, Enumerate, ActiveCount and Ident while threads run.</summary>
public partial class ThreadRegistryTests
{
    [Thread]
    private static void Park(CountdownEvent running, ManualResetEventSlim gate, ConcurrentBag<(ThreadHandle Current, int ManagedId)> seen)
    {
        seen.Add((Parallax.Threads.Current, Environment.CurrentManagedThreadId));
        running.Signal();
        gate.Wait();
    }

    [Fact]
    public void Enumerate_and_ActiveCount_list_running_threads_with_unique_idents()
    {
        const int count = 3;
        using var running = new CountdownEvent(count);
        using var gate = new ManualResetEventSlim();
        var seen = new ConcurrentBag<(ThreadHandle Current, int ManagedId)>();
        var threads = Enumerable.Range(0, count).Select(_ => ParkThread(running, gate, seen)).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        running.Wait();
        try
        {
            var live = Parallax.Threads.Enumerate();
            Assert.All(threads, t => Assert.Contains(t, live));
            // MainThread is the first thread that used the threading API: Main in an app, but in a test host an
            // xunit worker that may have ended since. Enumerate lists it exactly while it is alive, as Python does.
            var main = Parallax.Threads.MainThread;
            if (main.IsAlive)
            {
                Assert.Contains(main, live);
            }
            else
            {
                Assert.DoesNotContain(main, live);
            }

            // Other tests may run threads at the same time, so only a lower bound holds.
            var expected = count + (main.IsAlive ? 1 : 0);
            Assert.True(Parallax.Threads.ActiveCount >= expected, $"ActiveCount {Parallax.Threads.ActiveCount} with {count} parked threads and the main thread {(main.IsAlive ? "alive" : "ended")}");

            var idents = threads.Select(t => t.Ident!.Value).ToArray();
            Assert.Equal(count, idents.Distinct().Count());
            Assert.All(threads, t => Assert.Contains(seen, s => ReferenceEquals(s.Current, t) && s.ManagedId == t.Ident));
        }
        finally
        {
            gate.Set();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        var after = Parallax.Threads.Enumerate();
        Assert.All(threads, t => Assert.DoesNotContain(t, after));
        Assert.All(threads, t => Assert.NotNull(t.Ident));
    }

    [Fact]
    public void Current_on_a_thread_Parallax_did_not_start_is_a_dummy_handle()
    {
        ThreadHandle? current = null;
        ThreadHandle? again = null;
        var plain = new Thread(() =>
        {
            current = Parallax.Threads.Current;
            again = Parallax.Threads.Current;
        });
        plain.Start();
        plain.Join();

        Assert.NotNull(current);
        Assert.Same(current, again);
        Assert.StartsWith("Dummy-", current.Name);
        Assert.Equal(plain.ManagedThreadId, current.Ident);
        Assert.DoesNotContain(current, Parallax.Threads.Enumerate());
        Assert.Throws<InvalidOperationException>(current.Start);
    }

    [Fact]
    public void Main_thread_is_named_MainThread()
    {
        Assert.Equal("MainThread", Parallax.Threads.MainThread.Name);
        Assert.NotNull(Parallax.Threads.MainThread.Ident);
    }
}
