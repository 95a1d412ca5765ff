using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>Threads.ExceptHook is process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(ExceptHookTests), DisableParallelization = true)]
public class ExceptHookCollection
{
}

[Collection(nameof(ExceptHookTests))]
public class ExceptHookTests
{
    [Fact]
    public void Hook_sees_the_failing_thread_and_exception_and_Join_still_rethrows()
    {
        var seen = new ConcurrentQueue<(ThreadHandle Thread, Exception Exception)>();
        var previous = Parallax.Threads.ExceptHook;
        Parallax.Threads.ExceptHook = (t, e) => seen.Enqueue((t, e));
        try
        {
            var thread = new ThreadHandle(() => throw new ArithmeticException("overflow"), "failing");
            thread.Start();
            var thrown = Assert.Throws<ArithmeticException>(thread.Join);

            var (hookThread, hookException) = Assert.Single(seen);
            Assert.Same(thread, hookThread);
            Assert.Same(thrown, hookException);
        }
        finally
        {
            Parallax.Threads.ExceptHook = previous;
        }
    }

    [Fact]
    public void A_throwing_hook_does_not_replace_the_threads_exception()
    {
        var previous = Parallax.Threads.ExceptHook;
        Parallax.Threads.ExceptHook = (_, _) => throw new InvalidOperationException("hook failed");
        try
        {
            var thread = new ThreadHandle(() => throw new KeyNotFoundException("missing"));
            thread.Start();
            Assert.Equal("missing", Assert.Throws<KeyNotFoundException>(thread.Join).Message);
        }
        finally
        {
            Parallax.Threads.ExceptHook = previous;
        }
    }

    [Fact]
    public void Default_hook_writes_Pythons_message_to_stderr()
    {
        var previousError = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var thread = new ThreadHandle(() => throw new DivideByZeroException("zero"), "divider");
            thread.Start();
            Assert.Throws<DivideByZeroException>(thread.Join);
        }
        finally
        {
            Console.SetError(previousError);
        }

        Assert.StartsWith("Exception in thread divider:", captured.ToString());
        Assert.Contains("zero", captured.ToString());
    }
}
