using Parallax.Tests.Samples;

namespace Parallax.Tests.Threads;

/// <summary>
/// Python's rule, in a real process: the program waits for foreground threads, not for daemons.
/// The child is samples/Threads with <c>--exit-probe</c>, built before this project.
/// </summary>
public class ProcessExitTests
{
    private const string Finished = "worker finished after main returned";

    [Fact]
    public void Foreground_thread_keeps_the_process_alive_until_it_finishes()
    {
        var (exitCode, output) = RunProbe("foreground");
        Assert.Equal(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["threads: MainThread, Thread-1 (Linger)", "main returns; Thread-1 (Linger) is a foreground thread", Finished], lines);
    }

    [Fact]
    public void Daemon_thread_that_never_returns_does_not_keep_the_process_alive()
    {
        // The daemon sleeps for ever: the process ending at all is the proof.
        var (exitCode, output) = RunProbe("daemon");
        Assert.Equal(0, exitCode);
        Assert.Contains("is a daemon", output);
        Assert.DoesNotContain(Finished, output);
    }

    private static (int ExitCode, string Output) RunProbe(string kind)
    {
        var (exitCode, output, error) = SampleProcess.RunThreads(["--exit-probe", kind]);
        Assert.True(error.Length == 0, "probe wrote to stderr: " + error);
        return (exitCode, output);
    }
}
