using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// Standing clusters in one run: <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- standing [--no-anchor]</c>.
/// First ipyparallel (<c>ipcluster start -n 3 --daemonize</c>, <c>Client()</c>, execute: Engines/ipp_standing.py),
/// then the <c>parallax</c> tool (this repository's build, run as a process) and <see cref="Client.ConnectAsync"/>,
/// each row with its anchor and the ratio. Parallax's home is a temporary folder.
/// </summary>
internal static class StandingBench
{
    private const string Profile = "bench";

    public static async Task RunAsync(string[] args)
    {
        var home = Directory.CreateTempSubdirectory("parallax-bench-home-").FullName;
        Environment.SetEnvironmentVariable("PARALLAX_HOME", home);
        try
        {
            Console.WriteLine($"Standing cluster benchmark: {Environment.ProcessorCount} cores, load average {LoadAverage()} at the start");
            var anchors = args.Contains("--no-anchor") ? null : RunIpyparallel();
            var source = anchors is null ? "FIGURES.md" : "ipyparallel, same run";
            anchors ??= new Dictionary<string, double> { ["start"] = 6.9, ["connect"] = 0.03, ["connect_first"] = 0.03, ["roundtrip"] = 5.1e-3, ["execute_first"] = 5.1e-3, ["execute"] = 5.1e-3 };
            Console.WriteLine($"{"what",-56} {"Parallax",12} {"anchor",12} {"ratio",8}");

            // Rounds of: start with the tool, connect (cold in the first round: this process's first connect), first Execute on the fresh engines, stop.
            var (starts, connects, firstExecutes, newStrings, tool) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
            double coldConnect = 0;
            for (var round = 0; round < 3; round++)
            {
                var sw = Stopwatch.StartNew();
                Tool("cluster", "start", "-n", "3", "--profile", Profile);
                starts.Add(sw.Elapsed.TotalSeconds);
                sw.Restart();
                var client = await Client.ConnectAsync(Profile);
                var connected = sw.Elapsed.TotalSeconds;
                if (round == 0)
                {
                    coldConnect = connected;
                }
                else
                {
                    connects.Add(connected);
                }

                await using (client)
                {
                    var v = client[..];
                    v.PushSync("n", 1);
                    sw.Restart();
                    v.ExecuteSync("var m = n + 1;");
                    firstExecutes.Add(sw.Elapsed.TotalSeconds);
                    sw.Restart();
                    v.ExecuteSync("var k = n * 3;");
                    newStrings.Add(sw.Elapsed.TotalSeconds);
                }

                for (var i = 0; i < 5; i++)
                {
                    sw.Restart();
                    await using var again = await Client.ConnectAsync(Profile);
                    connects.Add(sw.Elapsed.TotalSeconds);
                }

                sw.Restart();
                Tool("cluster", "list");
                tool.Add(sw.Elapsed.TotalSeconds);
                Tool("cluster", "stop", "--profile", Profile);
            }

            Row("parallax cluster start -n 3, until ready", Median(starts), anchors["start"], "s", source, goal: 1.0);
            Console.WriteLine($"  runs {Runs(starts, 1, "F3")} s; `parallax cluster list` (the tool's own start, for scale) {Median(tool):F3} s; ipcluster start --daemonize + Client() + wait_for_engines(3)");
            Row("Client.ConnectAsync(), first in this process (cold)", coldConnect * 1e3, anchors["connect_first"] * 1e3, "ms", source, goal: 50);
            Row("Client.ConnectAsync(), warm (median)", Median(connects) * 1e3, anchors["connect"] * 1e3, "ms", source, goal: 50);
            Row("first Execute(\"var m = n + 1;\"), fresh 3 engines", Median(firstExecutes), anchors["execute_first"], "s", source, goal: 1.5);
            Console.WriteLine($"  runs {Runs(firstExecutes, 1, "F3")} s; then a new string on the same engines: median {Median(newStrings):F3} s (runs {Runs(newStrings, 1, "F3")} s)");

            await SteadyAsync(anchors, source);
            Console.WriteLine($"load average at the end {LoadAverage()}");
        }
        finally
        {
            try
            {
                Tool("cluster", "stop", "--all");
            }
            finally
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    /// <summary>
    /// Round trips through a connected client next to a cluster this process started (both running, rounds
    /// interleaved, medians), and the same code string again through the connected client.
    /// </summary>
    private static async Task SteadyAsync(Dictionary<string, double> anchors, string source)
    {
        Tool("cluster", "start", "-n", "3", "--profile", Profile);
        await using var client = await Client.ConnectAsync(Profile);
        await using var cluster = await Cluster.StartAsync(3);
        var (standing, local) = (client[..], cluster.Client[..]);
        const int trips = 2000;
        var (connectedTrips, localTrips) = (new List<double>(), new List<double>());
        for (var round = 0; round < 10; round++)
        {
            // Alternate which goes first: the second of a pair runs on a machine the first just warmed.
            if (round % 2 == 0)
            {
                localTrips.Add(RoundTrip(local, trips));
                connectedTrips.Add(RoundTrip(standing, trips));
            }
            else
            {
                connectedTrips.Add(RoundTrip(standing, trips));
                localTrips.Add(RoundTrip(local, trips));
            }
        }

        // The first round of each warms up.
        var (connectedMs, localMs) = (Median(connectedTrips.Skip(1)), Median(localTrips.Skip(1)));
        Row("ApplySync round trip, connected client, 3 engines", connectedMs, anchors["roundtrip"] * 1e3, "ms", source);
        Console.WriteLine($"  in-process cluster, same run, interleaved: {localMs:F4} ms; connected / in-process = {connectedMs / localMs:F2}x (goal <= 1.2x); rounds connected {Runs(connectedTrips, 1, "F4")}, in-process {Runs(localTrips, 1, "F4")} ms");

        standing.PushSync("n", 1);
        standing.ExecuteSync("var m = n + 1;");
        for (var i = 0; i < 200; i++)
        {
            standing.ExecuteSync("var m = n + 1;");
        }

        var batches = new List<double>();
        for (var batch = 0; batch < 3; batch++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 1000; i++)
            {
                standing.ExecuteSync("var m = n + 1;");
            }

            batches.Add(sw.Elapsed.TotalSeconds / 1000 * 1e3);
        }

        Row("the same Execute again, connected client", Median(batches), anchors["execute"] * 1e3, "ms", source, goal: 2);
        Console.WriteLine($"  batches {Runs(batches, 1, "F4")} ms");
        Tool("cluster", "stop", "--profile", Profile);
    }

    private static double RoundTrip(DirectView v, int trips)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < trips; i++)
        {
            v.ApplySync(() => "Hello!");
        }

        return sw.Elapsed.TotalSeconds / trips * 1e3;
    }

    /// <summary>Runs the repository's build of the parallax tool; throws on a failure exit code.</summary>
    private static void Tool(params string[] arguments)
    {
        var path = typeof(StandingBench).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ParallaxCli").Value!;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.GetFullPath(path));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"parallax {string.Join(' ', arguments)} exited with {process.ExitCode}: {stdout} {stderr}");
        }
    }

    /// <summary>Runs Engines/ipp_standing.py with Debian's Python; null when ipyparallel is not installed.</summary>
    private static Dictionary<string, double>? RunIpyparallel()
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Engines", "ipp_standing.py");
        if (!File.Exists(python) || !File.Exists(script))
        {
            Console.WriteLine("ipyparallel anchors: /usr/bin/python3 or the script is missing; using FIGURES.md");
            return null;
        }

        var start = new ProcessStartInfo(python, [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            Console.WriteLine($"ipyparallel anchors failed (exit {process.ExitCode}): {errors.Trim()}; using FIGURES.md");
            return null;
        }

        return JsonSerializer.Deserialize<Dictionary<string, double>>(last);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static string Runs(IEnumerable<double> values, double scale, string format) =>
        string.Join(", ", values.Select(v => (v * scale).ToString(format, CultureInfo.InvariantCulture)));

    private static void Row(string what, double parallax, double anchor, string unit, string source, double? goal = null) =>
        Console.WriteLine($"{what,-56} {parallax,10:F4} {unit} {anchor,10:F4} {unit} {parallax / anchor,7:F3}x  ({source}{(goal is { } g ? $"; goal <= {g} {unit}: {(parallax <= g ? "met" : "missed")}" : "")})");

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
