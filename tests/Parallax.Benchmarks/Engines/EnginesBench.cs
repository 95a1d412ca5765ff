using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Parallax.Benchmarks.Engines;

using Linalg = Parallax.Linalg;

/// <summary>
/// The issue's engine figures in one run:
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engines [N] [GEMM_N] [--no-anchor]</c>.
/// First the same measurements with ipyparallel (Engines/ipp_anchor.py, when Debian's python3-ipyparallel
/// is installed), then Parallax, each row with its anchor and the ratio. Without ipyparallel the
/// anchors are FIGURES.md's, and the rows say so. Everything on engines runs through the code the
/// generator emits for the lambdas below, as in a user's program.
/// </summary>
internal static class EnginesBench
{
    public static async Task RunAsync(string[] args)
    {
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var n = numbers.Length > 0 ? numbers[0] : 5000;
        var gemmN = numbers.Length > 1 ? numbers[1] : n;
        Console.WriteLine($"Engines benchmark: {Environment.ProcessorCount} cores, load average {LoadAverage()}, matrices {n}x{n} ({n * n * 8L / 1e6:F0} MB each), scatter/gather product at {gemmN}x{gemmN}");
        var anchors = args.Contains("--no-anchor") ? null : RunIpyparallel(n, gemmN);
        var source = anchors is null ? "FIGURES.md" : "ipyparallel, same run";
        anchors ??= new Dictionary<string, double>
        {
            ["start"] = 6.9, ["roundtrip"] = 5.1e-3, ["execute_first"] = 5.1e-3, ["execute"] = 5.1e-3, ["push"] = 6.06, ["dot"] = 6.79, ["pull"] = 3.45, ["distributed_dot"] = 5.26,
        };

        Console.WriteLine($"{"what",-48} {"Parallax",12} {"anchor",12} {"ratio",8}");

        // Start: the median of three cold starts of 3 engines, to all engines ready.
        var starts = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var c = await Cluster.StartAsync(3);
            await c.Client.WaitForEnginesAsync(3);
            starts.Add(sw.Elapsed.TotalSeconds);
        }

        Row("start 3 engines, client connected", starts.Order().ElementAt(1), anchors["start"], "s", source, goal: 1.0);

        await using var cluster = await Cluster.StartAsync(3);
        var v = cluster.Client[..];

        Row("ApplySync(() => \"Hello!\") round trip, 3 engines", RoundTrip(v), anchors["roundtrip"] * 1e3, "ms", source, goal: 0.2);
        await ExecuteAsync(v, anchors, source);
        await PollingAsync();
        await DeathAsync();

        var a = Random(n, n, 1);
        var b = Random(n, n, 2);
        v.PushSync(new { a, b }); // warm-up: first segment, first deserializers
        var push = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            v.PushSync(new { a, b });
            push.Add(sw.Elapsed.TotalSeconds);
        }

        Row($"push a, b ({2 * n * n * 8L / 1e6:F0} MB) to 3 engines", push.Min(), anchors["push"], "s", source, goal: 0.4);
        Floor("copy a, b once into fresh memory", push.Min(), FreshCopySeconds([a, b]));

        // The seed's cell: every engine computes the whole product.
        var dot = Stopwatch.StartNew();
        await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        var dotSeconds = dot.Elapsed.TotalSeconds;
        Row("c = Linalg.Dot(a, b) on each of 3 engines", dotSeconds, anchors["dot"], "s", source);
        // The cell's physical floor: 3 products at the FMA rate every core reaches now, plus the first touch
        // of the 3 new results (the pushed a and b need not be copied, so they are not counted).
        var fma = EngineThreadsBench.FmaPeakGflops();
        Floor($"3 x {2.0 * n * n * n / 1e9:F0} GFLOP at {fma:F0} GFLOP/s + 3 fresh c", dotSeconds,
            (3 * 2.0 * n * n * n / (fma * 1e9)) + EngineThreadsBench.FreshTouchSeconds(3L * n * n * sizeof(double)));

        var pulled = v.PullSync<double[,]>("c"); // warm-up, and the seed's check
        var local = Linalg.Dot(a, b);
        if (pulled.Any(c => !MemoryMarshalHelper.AsSpan(c).SequenceEqual(MemoryMarshalHelper.AsSpan(local))))
        {
            throw new InvalidOperationException("an engine's product differs from the local Linalg.Dot(a, b)");
        }

        pulled = null;
        var pull = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            var c = v.PullSync<double[,]>("c");
            pull.Add(sw.Elapsed.TotalSeconds);
            if (c.Length != 3 || c[2][n - 1, n - 1] != local[n - 1, n - 1])
            {
                throw new InvalidOperationException("pull returned the wrong matrix");
            }
        }

        Row($"pull c from 3 engines (3 x {n * n * 8L / 1e6:F0} MB)", pull.Min(), anchors["pull"], "s", source, goal: 0.4);
        Floor("copy 3 x c into fresh arrays", pull.Min(), FreshCopySeconds([local, local, local]));

        // The same pull into arrays the caller keeps: what the transport costs without fresh pages.
        var into = new[] { new double[n, n], new double[n, n], new double[n, n] };
        v.PullIntoSync("c", into);
        var pullInto = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            v.PullIntoSync("c", into);
            pullInto.Add(sw.Elapsed.TotalSeconds);
        }

        if (into[1][n - 1, n - 1] != local[n - 1, n - 1])
        {
            throw new InvalidOperationException("PullInto filled the wrong matrix");
        }

        Row($"  PullInto arrays from an earlier pull", pullInto.Min(), anchors["pull"], "s", source, goal: 0.4);
        into = null;
        v.ApplySync(() =>
        {
            Engine.Remove("a");
            Engine.Remove("b");
            Engine.Remove("c");
        });
        local = null;

        // Scatter a, push b, multiply, gather, against one local product with all cores, back to back.
        var ga = Random(gemmN, gemmN, 3);
        var gb = Random(gemmN, gemmN, 4);
        var phases = new double[4];
        double[,] Distributed()
        {
            var phase = Stopwatch.StartNew();
            v.ScatterSync("ap", ga);
            phases[0] = phase.Elapsed.TotalSeconds;
            v.PushSync(new { b = gb });
            phases[1] = phase.Elapsed.TotalSeconds;
            v.ApplySync(() => Engine.Set("cp", Linalg.Dot(Engine.Get<double[,]>("ap"), Engine.Get<double[,]>("b"))));
            phases[2] = phase.Elapsed.TotalSeconds;
            var gathered = v.GatherSync<double[,]>("cp");
            phases[3] = phase.Elapsed.TotalSeconds;
            return gathered;
        }

        Distributed(); // JIT and page warm-up on both sides
        Linalg.Dot(ga, gb);
        var localWatch = Stopwatch.StartNew();
        var expected = Linalg.Dot(ga, gb);
        var localSeconds = localWatch.Elapsed.TotalSeconds;
        var distributedWatch = Stopwatch.StartNew();
        var cp = Distributed();
        var distributedSeconds = distributedWatch.Elapsed.TotalSeconds;
        if (!MemoryMarshalHelper.AsSpan(cp).SequenceEqual(MemoryMarshalHelper.AsSpan(expected)))
        {
            throw new InvalidOperationException("the distributed product differs from the local one");
        }

        Row($"scatter a, push b, Dot, gather ({gemmN})", distributedSeconds, anchors["distributed_dot"], "s", source);
        Console.WriteLine($"  phases: scatter {phases[0]:F3} s, push b {phases[1] - phases[0]:F3} s, Dot on engines {phases[2] - phases[1]:F3} s, gather {phases[3] - phases[2]:F3} s");
        Console.WriteLine($"{"  against one local Linalg.Dot, same run",-48} {distributedSeconds,10:F3} s {localSeconds,10:F3} s {distributedSeconds / localSeconds,7:F2}x  (goal <= 1.3x)");
        if (anchors.TryGetValue("local_dot", out var numpyDot))
        {
            Console.WriteLine($"{"  ipyparallel's against one local numpy a @ b",-48} {anchors["distributed_dot"],10:F3} s {numpyDot,10:F3} s {anchors["distributed_dot"] / numpyDot,7:F2}x");
        }

        await ThresholdAsync();
        Console.WriteLine($"load average after: {LoadAverage()}");
        await FarmBench.RunAsync(args);
    }

    /// <summary>Milliseconds per ApplySync round trip on the view: the median of three batches after a warm-up.</summary>
    private static double RoundTrip(DirectView v)
    {
        for (var i = 0; i < 1000; i++)
        {
            v.ApplySync(() => "Hello!");
        }

        const int trips = 2000;
        var batches = new List<double>();
        for (var batch = 0; batch < 3; batch++)
        {
            var rt = Stopwatch.StartNew();
            for (var i = 0; i < trips; i++)
            {
                v.ApplySync(() => "Hello!");
            }

            batches.Add(rt.Elapsed.TotalSeconds / trips * 1e3);
        }

        return batches.Order().ElementAt(1);
    }

    /// <summary>
    /// C# code strings: the first Execute on fresh engines (each loads Roslyn and compiles; median of three
    /// clusters), a new string on engines that have compiled one, and the same string again (the
    /// compiled-script cache: median of three batches), next to ipyparallel's execute of the same statement.
    /// </summary>
    private static async Task ExecuteAsync(DirectView v, Dictionary<string, double> anchors, string source)
    {
        const string code = "var m = n + 1;";
        var cold = new List<double>();
        var newString = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await using var fresh = await Cluster.StartAsync(3);
            var view = fresh.Client[..];
            view.PushSync("n", 1);
            var sw = Stopwatch.StartNew();
            view.ExecuteSync(code);
            cold.Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            view.ExecuteSync("var k = n * 3;");
            newString.Add(sw.Elapsed.TotalSeconds);
        }

        static string Runs(List<double> x, double scale) => string.Join(", ", x.Select(t => (t * scale).ToString("F3", CultureInfo.InvariantCulture)));
        Row("first Execute(\"var m = n + 1;\"), fresh 3 engines", cold.Order().ElementAt(1), anchors.GetValueOrDefault("execute_first", anchors["roundtrip"]), "s", source, goal: 1.5);
        Console.WriteLine($"  runs {Runs(cold, 1)} s; then a new string on the same engines: median {newString.Order().ElementAt(1):F3} s (runs {Runs(newString, 1)} s)");

        v.PushSync("n", 1);
        v.ExecuteSync(code);
        for (var i = 0; i < 200; i++)
        {
            v.ExecuteSync(code);
        }

        const int trips = 1000;
        var batches = new List<double>();
        for (var batch = 0; batch < 3; batch++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < trips; i++)
            {
                v.ExecuteSync(code);
            }

            batches.Add(sw.Elapsed.TotalSeconds / trips * 1e3);
        }

        if (v.PullSync<int>("m").Any(m => m != 2))
        {
            throw new InvalidOperationException("Execute stored the wrong m");
        }

        Row("the same Execute again (compiled-script cache)", batches.Order().ElementAt(1), anchors.GetValueOrDefault("execute", anchors["roundtrip"]) * 1e3, "ms", source, goal: 2);
        Console.WriteLine($"  batches {Runs(batches, 1)} ms; ApplySync round trip for scale: {RoundTrip(v):F4} ms");
        v.ApplySync(() => Engine.Remove("n") & Engine.Remove("m"));
    }

    /// <summary>The round trip with ClusterOptions.ReceivePolling at 50 µs and off (the default), clusters alternated three times.</summary>
    private static readonly TimeSpan PollingTried = TimeSpan.FromMicroseconds(50);

    private static async Task PollingAsync()
    {
        var on = new List<double>();
        var off = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            foreach (var (polling, list) in new[] { (PollingTried, on), (TimeSpan.Zero, off) })
            {
                await using var c = await Cluster.StartAsync(3, new ClusterOptions { ReceivePolling = polling });
                list.Add(RoundTrip(c.Client[..]));
            }
        }

        static string Median(List<double> x) => $"{x.Order().ElementAt(1):F4} ms (runs {string.Join(", ", x.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))})";
        Console.WriteLine($"  receive polling {PollingTried.TotalMicroseconds:F0} us: {Median(on)}; off (the default): {Median(off)}; ratio {on.Order().ElementAt(1) / off.Order().ElementAt(1):F2}x");
    }

    /// <summary>An engine killed with -9 in the middle of a call: the time until the call fails, median of three.</summary>
    private static async Task DeathAsync()
    {
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await using var c = await Cluster.StartAsync(2);
            var call = c.Client[1].ApplyAsync(() => Thread.Sleep(Timeout.Infinite));
            c.Client[0].ApplySync(() => 0); // the engines are up and reading
            await Task.Delay(200);
            var sw = Stopwatch.StartNew();
            c.GetEngine(1)!.Process.Kill(); // SIGKILL
            try
            {
                await call;
            }
            catch (EngineDiedException)
            {
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine($"{"kill -9 of an engine during a call, to EngineDiedException",-48} {times.Order().ElementAt(times.Count / 2),10:F1} ms (runs {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))}); goal <= 1000 ms");
    }

    /// <summary>Runs Engines/ipp_anchor.py with Debian's Python; null when ipyparallel is not installed.</summary>
    private static Dictionary<string, double>? RunIpyparallel(int n, int gemmN)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Engines", "ipp_anchor.py");
        if (!File.Exists(python) || !File.Exists(script))
        {
            Console.WriteLine("ipyparallel anchors: /usr/bin/python3 or the script is missing; using FIGURES.md");
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(gemmN.ToString(CultureInfo.InvariantCulture));
        // Debian's OpenBLAS misdetects this CPU and runs several times slower without it.
        start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
        Console.WriteLine("ipyparallel anchors: running Engines/ipp_anchor.py ...");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            Console.WriteLine($"ipyparallel anchors failed (exit {process.ExitCode}); using FIGURES.md. {stderr.Result.Split('\n').LastOrDefault(l => l.Length > 0)}");
            return null;
        }

        return JsonSerializer.Deserialize<Dictionary<string, double>>(lines[^1]);
    }

    /// <summary>Where shared memory pays: one push of a double[] to 3 engines, inline in the frame versus through a segment.</summary>
    private static async Task ThresholdAsync()
    {
        Console.WriteLine();
        Console.WriteLine($"{"push to 3 engines",-20} {"inline",12} {"shared memory",14} {"ratio",8}");
        await using var inline = await Cluster.StartAsync(3, new ClusterOptions { SharedMemoryThreshold = int.MaxValue, MaxFrameBytes = 256 << 20 });
        await using var shared = await Cluster.StartAsync(3, new ClusterOptions { SharedMemoryThreshold = 1 });
        foreach (var kib in new[] { 16, 64, 256, 1024, 4096, 16384 })
        {
            var x = new double[kib * 128];
            var ti = Time(() => inline.Client[..].PushSync("x", x));
            var ts = Time(() => shared.Client[..].PushSync("x", x));
            Console.WriteLine($"{kib + " KiB",-20} {ti * 1e3,9:F3} ms {ts * 1e3,11:F3} ms {ts / ti,7:F2}x");
        }
    }

    /// <summary>
    /// The least any transport must do: write the bytes once into memory never touched before (on this
    /// VM the first touch of a page dominates the cost of moving large arrays).
    /// </summary>
    private static double FreshCopySeconds(double[][,] sources)
    {
        var sw = Stopwatch.StartNew();
        foreach (var source in sources)
        {
            var copy = new double[source.GetLength(0), source.GetLength(1)];
            MemoryMarshalHelper.AsSpan(source).CopyTo(MemoryMarshalHelper.AsSpan(copy));
        }

        return sw.Elapsed.TotalSeconds;
    }

    private static double Time(Action action)
    {
        action();
        var best = double.MaxValue;
        for (var i = 0; i < 7; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static void Row(string what, double parallax, double anchor, string unit, string source, double? goal = null) =>
        Console.WriteLine($"{what,-48} {parallax,10:F4} {unit} {anchor,10:F3} {unit} {parallax / anchor,7:F3}x  (anchor: {source}){(goal is { } g ? $"; goal <= {g} {unit}" : "")}");

    private static void Floor(string what, double parallax, double floor) =>
        Console.WriteLine($"{"  floor: " + what,-48} {floor,10:F4} s {"",12} {parallax / floor,7:F3}x  (Parallax / floor, same run)");

    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal static double[,] Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var m = new double[rows, columns];
        var span = MemoryMarshalHelper.AsSpan(m);
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = random.NextDouble();
        }

        return m;
    }
}

internal static class MemoryMarshalHelper
{
    public static Span<double> AsSpan(double[,] m) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(
            System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(m), m.Length * sizeof(double)));
}
