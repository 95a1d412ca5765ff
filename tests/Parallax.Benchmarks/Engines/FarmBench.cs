using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// The task-farm rows (issue 10): <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engines farm [--no-anchor]</c>,
/// also the last part of <c>-- engines</c>. ipyparallel's <c>load_balanced_view().map</c> on 3 engines runs first
/// (Engines/ipp_farm_anchor.py), then the same on Parallax's <see cref="LoadBalancedView"/>, medians of three rounds;
/// the cold rows start a cluster in fresh processes (<c>engines farm-cold-child on|off</c>), with and without the engines' warm-up, alternated.
/// </summary>
internal static class FarmBench
{
    private const int Rounds = 3;
    private const int ColdRounds = 5;

    public static async Task RunAsync(string[] args)
    {
        Console.WriteLine();
        Console.WriteLine($"Task farm: {Environment.ProcessorCount} cores, load average {EnginesBench.LoadAverage()} at the start");
        var anchors = args.Contains("--no-anchor") ? null : RunIpyparallel();
        string Anchor(string key) => anchors is not null && anchors.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number ? $"{v.GetDouble(),9:F3} s" : "      n/a";
        double? AnchorValue(string key) => anchors is not null && anchors.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

        await using var cluster = await Cluster.StartAsync(3);
        var lv = cluster.Client.LoadBalancedView();
        Console.WriteLine($"{"what (3 engines)",-58} {"Parallax",11} {"ipyparallel",11} {"ratio",8}  goal");

        void Row(string what, double seconds, string anchorKey, string goal)
        {
            var anchor = AnchorValue(anchorKey);
            Console.WriteLine($"{what,-58} {seconds,9:F4} s {Anchor(anchorKey)} {(anchor is { } a ? $"{seconds / a,7:F4}x" : "       ")}  {goal}");
        }

        var tiny = Enumerable.Range(0, 1000).ToArray();
        var cold = Cold();
        Row("1000 tiny tasks (x => x + 1), cold: first map", cold.On.First, "tiny_1000", $"<= 0.1 s (fresh processes, medians of {ColdRounds})");
        Console.WriteLine($"{"  the start before it (Cluster.StartAsync, 3 engines)",-58} {cold.On.Start,9:F4} s");
        Console.WriteLine($"{"  the same without the warm-up: first map",-58} {cold.Off.First,9:F4} s {"",11} {cold.On.First / cold.Off.First,7:F4}x  warm-up on / off, rounds alternated");
        Console.WriteLine($"{"  the start before it",-58} {cold.Off.Start,9:F4} s {"",11} {cold.On.Start / cold.Off.Start,7:F4}x");
        Console.WriteLine($"{"  start + first map, warm-up on / off",-58} {cold.On.Start + cold.On.First,9:F4} s {cold.Off.Start + cold.Off.First,9:F4} s {(cold.On.Start + cold.On.First) / (cold.Off.Start + cold.Off.First),7:F4}x");
        Time(() => lv.MapSync(x => x + 1, tiny));
        Row("1000 tiny tasks (x => x + 1), warm", Median(() => Time(() => lv.MapSync(x => x + 1, tiny))), "tiny_1000", "<= 0.1 s");
        var many = Enumerable.Range(0, 100_000).ToArray();
        Row("100 000 tiny tasks (ipyparallel: chunksize=1000)", Median(() => Time(() => lv.MapSync(x => x + 1, many))), "tiny_100000_chunk1000", "<= 2 s");
        // The farm and the same tasks on one local thread per core, alternated: on a busy machine the ideal is
        // out of reach for anyone, and the local threads measure what the cores give under the same load.
        var farmRuns = new List<double>();
        var localRuns = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            farmRuns.Add(Time(() => lv.MapSync(FarmWork.Burn, tiny)));
            localRuns.Add(Time(() => Parallel.For(0, tiny.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => FarmWork.Burn(i))));
        }

        var cpu = farmRuns.Order().ElementAt(Rounds / 2);
        var local = localRuns.Order().ElementAt(Rounds / 2);
        var ideal = tiny.Length * 0.005 / Environment.ProcessorCount;
        Row("1000 tasks of 5 ms CPU", cpu, "cpu_1000x5ms", $"<= 1.1x ideal: {cpu / ideal:F2}x of {ideal:F2} s");
        Console.WriteLine($"{"  the same on " + Environment.ProcessorCount + " local threads (Parallel.For), alternated",-58} {local,9:F4} s {"",11} {cpu / local,7:F4}x  farm / local threads, goal <= 1.1x");

        var ran = new List<int>();
        var cancel = Median(() =>
        {
            var map = lv.MapAsync(FarmWork.Burn, Enumerable.Range(0, 10_000));
            Thread.Sleep(1000);
            var sw = Stopwatch.StartNew();
            map.Cancel();
            try
            {
                map.Wait();
                map.Get();
            }
            catch (OperationCanceledException)
            {
            }

            ran.Add(map.Completed);
            return sw.Elapsed.TotalSeconds;
        });
        Row("cancel of 10 000 tasks of 5 ms after 1 s, to completion", cancel, "abort_10000", $"<= 0.05 s; tasks run: {string.Join(", ", ran)}; ipyparallel's: {(anchors?.TryGetValue("abort_ran", out var ar) == true ? ar.ToString() : "n/a")}");

        var grace = new ClusterOptions().InterruptGrace;
        var interrupts = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var spin = lv.ApplyAsync(() => FarmWork.SpinForever());
            while (spin.EngineIds[0] < 0)
            {
                Thread.Sleep(10);
            }

            Thread.Sleep(200);
            var sw = Stopwatch.StartNew();
            spin.Cancel();
            try
            {
                await spin;
            }
            catch (EngineRestartedException)
            {
                interrupts.Add(sw.Elapsed.TotalSeconds);
            }

            await cluster.Client.WaitForEnginesAsync(3, TimeSpan.FromMinutes(1));
        }

        Console.WriteLine($"{"cancel of a busy loop, to its EngineRestartedException",-58} {interrupts.Order().ElementAt(interrupts.Count / 2),9:F4} s {"(none)",11} {"",8}  <= grace + 1 s = {grace.TotalSeconds + 1:F0} s (ipyparallel cannot interrupt a running task)");

        // The default chunk size against fixed ones, same run, rounds alternated across the sizes: what the default is chosen from.
        int[] sizes = [1, 10, 100, 0];
        var tinyRuns = sizes.ToDictionary(size => size, _ => new List<double>());
        var burnRuns = sizes.ToDictionary(size => size, _ => new List<double>());
        for (var i = 0; i < Rounds; i++)
        {
            foreach (var size in sizes)
            {
                tinyRuns[size].Add(Time(() => lv.MapSync(x => x + 1, tiny, chunkSize: size)));
                burnRuns[size].Add(Time(() => lv.MapSync(FarmWork.Burn, tiny, chunkSize: size)));
            }
        }

        Console.WriteLine($"{"  chunk size",-20} {"1000 tiny",12} {"1000 x 5 ms CPU",16}");
        foreach (var size in sizes)
        {
            Console.WriteLine($"{"  " + (size == 0 ? "default" : size.ToString(CultureInfo.InvariantCulture)),-20} {tinyRuns[size].Order().ElementAt(Rounds / 2),10:F4} s {burnRuns[size].Order().ElementAt(Rounds / 2),14:F4} s");
        }

        Console.WriteLine($"load average after: {EnginesBench.LoadAverage()}");
    }

    /// <summary>Fresh processes, each starting a cluster and timing its first two maps of 1000 tiny tasks; warm-up on and off alternated, medians.</summary>
    private static ((double Start, double First) On, (double Start, double First) Off) Cold()
    {
        var runs = new Dictionary<bool, List<(double Start, double First)>> { [true] = [], [false] = [] };
        for (var i = 0; i < ColdRounds; i++)
        {
            foreach (var warmUp in new[] { true, false })
            {
                var start = ChildProcesses.Self("engines", "farm-cold-child", warmUp ? "on" : "off");
                using var child = Process.Start(start)!;
                var output = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Split(' ') ?? [];
                if (line.Length != 2 || !double.TryParse(line[0], CultureInfo.InvariantCulture, out var startSeconds) || !double.TryParse(line[1], CultureInfo.InvariantCulture, out var firstSeconds))
                {
                    throw new InvalidOperationException($"The cold child (warm-up {(warmUp ? "on" : "off")}) exited with {child.ExitCode} and printed:\n{output}");
                }

                runs[warmUp].Add((startSeconds, firstSeconds));
            }
        }

        (double, double) Medians(List<(double Start, double First)> r) => (r.Select(x => x.Start).Order().ElementAt(r.Count / 2), r.Select(x => x.First).Order().ElementAt(r.Count / 2));
        return (Medians(runs[true]), Medians(runs[false]));
    }

    /// <summary>One cold round, in a process of its own: prints the start's and the first map's seconds.</summary>
    public static async Task ColdChildAsync(bool warmUp)
    {
        var tiny = Enumerable.Range(0, 1000).ToArray();
        var sw = Stopwatch.StartNew();
        await using var cluster = await Cluster.StartAsync(3, new ClusterOptions { IsWarmUpEnabled = warmUp });
        var start = sw.Elapsed.TotalSeconds;
        var first = Time(() => cluster.Client.LoadBalancedView().MapSync(x => x + 1, tiny));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{start} {first}"));
    }

    private static double Median(Func<double> measure) =>
        Enumerable.Range(0, Rounds).Select(_ => measure()).Order().ElementAt(Rounds / 2);

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static Dictionary<string, JsonElement>? RunIpyparallel()
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Engines", "ipp_farm_anchor.py");
        if (!File.Exists(python) || !File.Exists(script))
        {
            Console.WriteLine("ipyparallel anchors: /usr/bin/python3 or the script is missing");
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(Rounds.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("ipyparallel anchors: running Engines/ipp_farm_anchor.py ...");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            Console.WriteLine($"ipyparallel anchors failed (exit {process.ExitCode}): {stderr.Result.Split('\n').LastOrDefault(l => l.Length > 0)}");
            return null;
        }

        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(lines[^1]);
    }
}

/// <summary>The work the farm rows run on engines.</summary>
public static partial class FarmWork
{
    /// <summary>Uses 5 ms of the calling thread's CPU time, however the machine shares its cores, and returns <paramref name="x"/>.</summary>
    public static int Burn(int x)
    {
        var end = ThreadCpuNanoseconds() + 5_000_000;
        while (ThreadCpuNanoseconds() < end)
        {
        }

        return x;
    }

    /// <summary>Spins without ever looking at <see cref="Engine.CancellationToken"/>: only a restart stops it.</summary>
    public static int SpinForever()
    {
        var spins = 0L;
        while (Volatile.Read(ref spins) >= 0)
        {
            spins++;
        }

        return (int)spins;
    }

    private static long ThreadCpuNanoseconds()
    {
        const int ClockThreadCpuTimeId = 3;
        _ = ClockGetTime(ClockThreadCpuTimeId, out var now);
        return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
