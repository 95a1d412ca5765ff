using System.Diagnostics;
using System.Text.Json;

namespace Parallax.Benchmarks.Engines;

/// <summary>The cold benches' fresh processes: this program again with a child verb, and the JSON figures it prints last.</summary>
internal static class ChildProcesses
{
    /// <summary>This benchmark program, in a process of its own, with <paramref name="arguments"/>; its standard output redirected.</summary>
    public static ProcessStartInfo Self(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Under the muxer the dll comes first; under the apphost (`dotnet run`) it must not.
            start.ArgumentList.Add(typeof(ChildProcesses).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>Runs <paramref name="start"/> and reads the JSON object of figures its last line prints; null, with the reason printed, when it failed.</summary>
    public static Dictionary<string, double>? RunJson(ProcessStartInfo start, string kind)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length == 0 || !lines[^1].StartsWith('{'))
        {
            Console.WriteLine($"  {kind} failed (exit {process.ExitCode}): {stderr.Result.Split('\n').LastOrDefault(l => l.Length > 0)}");
            return null;
        }

        return JsonSerializer.Deserialize<Dictionary<string, double>>(lines[^1]);
    }

    /// <summary>The one-minute load average now.</summary>
    public static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
