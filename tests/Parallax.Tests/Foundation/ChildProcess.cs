using System.Diagnostics;

namespace Parallax.Tests.Foundation;

/// <summary>Runs a child process to its end and returns what it printed, for tests that check a whole program.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Starts <paramref name="start"/> with its output and error redirected, reads both while it runs, and
    /// fails the test if it is still running after <paramref name="bound"/> (a generous bound so a stuck
    /// child fails the test instead of hanging CI; not a timing assertion).
    /// </summary>
    public static (int ExitCode, string Output, string Error) Run(ProcessStartInfo start, TimeSpan bound, string what)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(bound))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{what} did not end within {bound}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
