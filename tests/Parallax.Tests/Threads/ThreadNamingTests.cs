using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>The Thread-N counter is process-wide, so tests that count on consecutive numbers run alone.</summary>
[CollectionDefinition(nameof(ThreadNamingTests), DisableParallelization = true)]
public class ThreadNamingCollection
{
}

/// <summary>A [Thread] class that is never named: it gets Python's default, Thread-N with no suffix.</summary>
[Thread]
public partial class Unnamed
{
    private void Run()
    {
    }
}

/// <summary>Default names follow CPython 3.11: which threads take a number, and what the name looks like.</summary>
[Collection(nameof(ThreadNamingTests))]
public partial class ThreadNamingTests
{
    [Thread]
    private static void Numbered()
    {
    }

    private static int Number(ThreadHandle thread)
    {
        var match = System.Text.RegularExpressions.Regex.Match(thread.Name, @"^Thread-(\d+)");
        Assert.True(match.Success, $"'{thread.Name}' is not a default Thread-N name");
        return int.Parse(match.Groups[1].Value);
    }

    [Fact]
    public void Class_named_in_its_constructor_uses_up_no_number()
    {
        // Python: class MyThread(Thread): __init__ calls super().__init__(name="threddy" + num), so
        // Thread-N numbers go on from the one before it.
        int before = Number(NumberedThread());
        var named = new MyThread("7", new ConcurrentQueue<string>());
        Assert.Equal("threddy7", named.Name);
        named.Start();
        named.Join();
        Assert.Equal("threddy7", named.Name);
        Assert.Equal(before + 1, Number(NumberedThread()));
    }

    [Fact]
    public void Unnamed_class_takes_its_number_when_its_name_is_first_needed()
    {
        int before = Number(NumberedThread());
        var unnamed = new Unnamed();
        Assert.Equal($"Thread-{before + 1}", unnamed.Name);
        unnamed.Start();
        unnamed.Join();
        Assert.Equal($"Thread-{before + 1}", unnamed.Name);
        Assert.Equal(before + 2, Number(NumberedThread()));
    }

    [Fact]
    public void Factory_threads_are_numbered_when_created_and_named_after_their_method()
    {
        var first = NumberedThread();
        var second = NumberedThread();
        Assert.Equal($"Thread-{Number(first)} (Numbered)", first.Name);
        Assert.Equal(Number(first) + 1, Number(second));
    }

    [Fact]
    public void Timer_threads_are_named_Thread_N_like_Pythons_Timer()
    {
        // CPython 3.11: threading.Timer(1, f).name == 'Thread-N', no target suffix (Timer calls Thread.__init__(self)).
        int before = Number(NumberedThread());
        using var timer = new ThreadTimer(TimeSpan.Zero, () => { });
        var first = timer.Start();
        var second = timer.Start();
        first.Join();
        second.Join();
        Assert.Equal($"Thread-{before + 1}", first.Name);
        Assert.Equal($"Thread-{before + 2}", second.Name);
    }
}
