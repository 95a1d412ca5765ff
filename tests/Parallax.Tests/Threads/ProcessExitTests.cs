using System.Diagnostics;
using System.Reflection;

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
        Assert.Equal(["main returns; Thread-1 (Linger) is a foreground thread", Finished], lines);
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
        var test = typeof(ProcessExitTests).Assembly;
        string project = test.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
        string configuration = test.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string probe = Path.GetFullPath(Path.Combine(project, "..", "..", "samples", "Threads", "bin", configuration, "net10.0", "Threads.dll"));
        Assert.True(File.Exists(probe), $"the exit probe is not built at {probe}; build tests/Parallax.Tests, which builds samples/Threads first");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { probe, "--exit-probe", kind })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A generous bound so a stuck child fails the test instead of hanging CI; not a timing assertion.
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the {kind} exit probe did not end within 60 s: the thread kept the process alive");
        }

        Assert.True(stderr.Result.Length == 0, "probe wrote to stderr: " + stderr.Result);
        return (process.ExitCode, stdout.Result);
    }
}
