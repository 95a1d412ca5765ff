using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Parallax.Benchmarks.Engines;

using Linalg = Parallax.Linalg;

/// <summary>
/// The seed's headline cells, cold, each round in fresh processes:
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- seed-flow [N] [rounds] [--arrays|--one-at-a-time|--code-string]</c>.
/// A round runs, in an order that rotates from round to round, a fresh Parallax process doing the
/// seed as written (the first Linalg.Dot(a, b) into a new array, then start 3 engines, push a and b,
/// the Dot cell through the generator's views, pull c into new arrays) and a fresh Python process
/// doing the same with numpy and ipyparallel (Engines/seed_flow_anchor.py); an option adds an
/// experiment (the cell reading a and b as arrays, the engines' products one at a time, or the cell
/// as a code string, <c>ExecuteAsync("var c = Linalg.Dot(a, b);")</c>).
/// Each row prints the medians, the ratio to ipyparallel's and the physical floor measured in the
/// fresh Parallax processes: the FMA rate both cores reach then, and the first touch of the bytes
/// that must be new (the 400 MB push segment, the three 200 MB results, the three arrays a pull returns).
/// </summary>
internal static class SeedFlowBench
{
    public const string ChildVerb = "seed-flow-child";

    private static readonly string[] Cells = ["push", "dot", "pull"];

    public static void Run(string[] args)
    {
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var n = numbers.Length > 0 ? numbers[0] : 5000;
        var rounds = numbers.Length > 1 ? numbers[1] : 3;
        Console.WriteLine($"The seed's cells, cold (fresh processes), N = {n}, {rounds} rounds rotated, medians; {Environment.ProcessorCount} cores; uptime: {Uptime()}");

        // Experiments beside the seed as written: the cell reading a and b as arrays (what engines did
        // before views), or the engines' products one after the other, each with every core.
        string[] extras = [.. new[] { "arrays", "one-at-a-time", "code-string" }.Where(e => args.Contains("--" + e))];
        string[] kinds = ["views", "ipyparallel", .. extras];
        var runs = kinds.ToDictionary(k => k, _ => new List<Dictionary<string, double>>());
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < kinds.Length; i++)
            {
                var kind = kinds[(i + round) % kinds.Length];
                var figures = kind == "ipyparallel" ? RunIpyparallel(n) : RunParallax(n, kind);
                if (figures is null)
                {
                    continue;
                }

                figures["flow"] = Cells.Sum(c => figures[c]);
                runs[kind].Add(figures);
                Console.WriteLine($"  round {round + 1} {kind,-13} " + string.Join(", ", figures.Where(f => f.Key is "matmul" or "start" or "push" or "dot" or "pull" or "flow").Select(f => $"{f.Key} {f.Value:F2} s")) + $"  (load {ChildProcesses.Load()})");
            }
        }

        var parallax = runs["views"];
        if (parallax.Count == 0)
        {
            throw new InvalidOperationException("no Parallax round finished");
        }

        static double Median(List<Dictionary<string, double>> list, string key) => list.Select(r => r[key]).Order().ElementAt(list.Count / 2);

        // Floors, from the fresh Parallax processes: the rate every core reaches, and first touch per N² doubles.
        var fma = Median(parallax, "fma");
        var touch = Median(parallax, "touch") * (n * (long)n * sizeof(double)) / 200e6;
        var product = 2.0 * n * n * n / (fma * 1e9);
        var floors = new Dictionary<string, double>
        {
            ["matmul"] = product + touch,
            ["push"] = 2 * touch,
            ["dot"] = (3 * product) + (3 * touch),
            ["pull"] = 3 * touch,
        };
        floors["flow"] = Cells.Sum(c => floors[c]);
        var goals = new Dictionary<string, double> { ["matmul"] = 1 / 0.95, ["dot"] = 1.0, ["pull"] = 0.5, ["flow"] = 0.5 };
        var extra = extras.Length > 0 ? extras[0] : null;

        Console.WriteLine();
        Console.WriteLine($"floors: {fma:F0} GFLOP/s on both cores (Vector512 FMA chains, measured in the fresh processes), first touch {touch:F3} s per {n * (long)n * 8 / 1e6:F0} MB of new memory");
        Console.WriteLine($"{"cell (medians of " + parallax.Count + ")",-42} {"Parallax",9} {extra ?? "",13} {"Python",8} {"ratio",7} {"goal",7} {"",7} {"floor",7} {"floor/P",7}");
        foreach (var (cell, what) in new[]
        {
            ("matmul", "Linalg.Dot(a, b), new array | numpy a @ b"),
            ("push", "push a, b (400 MB) to 3 engines"),
            ("dot", "c = Linalg.Dot(a, b) on every engine"),
            ("pull", "pull 3 x c into new arrays"),
            ("flow", "the whole flow: push + Dot + pull"),
        })
        {
            var p = Median(parallax, cell);
            var other = extra is not null && runs[extra].Count > 0 ? $"{Median(runs[extra], cell),13:F2}" : $"{"",13}";
            var python = runs["ipyparallel"].Count > 0 ? Median(runs["ipyparallel"], cell) : double.NaN;
            var ratio = p / python;
            var goal = goals.TryGetValue(cell, out var g) ? $"<={g:F2}x" : "";
            var met = goals.ContainsKey(cell) && !double.IsNaN(ratio) ? ratio <= g ? "met" : "missed" : "";
            Console.WriteLine($"{what,-42} {p,9:F2} {other} {python,8:F2} {ratio,6:F2}x {goal,7} {met,-7} {floors[cell],7:F2} {floors[cell] / p,7:P0}");
        }

        Console.WriteLine($"(matmul: the first Linalg.Dot in a fresh process next to numpy's first a @ b in a fresh python3; ratio = Parallax time / Python time, the goal there is >= 0.95x numpy's speed; floor/P = how close to the floor)");
        Console.WriteLine($"uptime after: {Uptime()}");
    }

    /// <summary>The child: one cold flow in this fresh process, printed as one JSON object.</summary>
    public static async Task ChildAsync(string[] args)
    {
        var n = int.Parse(args[0], CultureInfo.InvariantCulture);
        var arrays = args.Contains("--arrays");
        var a = Random(n, 1);
        var b = Random(n, 2);
        var figures = new Dictionary<string, double>
        {
            ["fma"] = EngineThreadsBench.FmaPeakGflops(),
            ["touch"] = EngineThreadsBench.FreshTouchSeconds(200_000_000),
        };

        // The first product in this process, into a new array, before any engine runs.
        var clock = Stopwatch.StartNew();
        var product = Linalg.Dot(a, b);
        figures["matmul"] = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(product);

        clock.Restart();
        await using var cluster = await Cluster.StartAsync(engines: 3);
        figures["start"] = clock.Elapsed.TotalSeconds;
        var v = cluster.Client[..];
        v.ApplySync(() => "Hello!");
        var codeString = args.Contains("--code-string");
        if (codeString)
        {
            // In [47]: v.execute('import numpy as np'): the engines load the C# compiler here, before the timed cells.
            await v.ExecuteAsync("using Parallax;");
        }

        clock.Restart();
        await v.PushAsync(new { a, b });
        figures["push"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        if (args.Contains("--one-at-a-time"))
        {
            // An experiment: the engines' products one after the other, each with every core.
            foreach (var id in cluster.Client.Ids)
            {
                await cluster.Client[id].ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
            }
        }
        else if (codeString)
        {
            // The seed's cell as ipyparallel's users write it, a code string: a and b only multiplied, so read as views.
            await v.ExecuteAsync("var c = Linalg.Dot(a, b);");
        }
        else if (arrays)
        {
            // a and b read as arrays (a copy each, into fresh memory), c a new array: the cell before views.
            await v.ApplyAsync(() =>
            {
                var x = Engine.Get<double[,]>("a");
                var y = Engine.Get<double[,]>("b");
                Engine.Set("c", Linalg.Dot(x, y));
            });
        }
        else
        {
            // The seed's cell as written.
            await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        }

        figures["dot"] = clock.Elapsed.TotalSeconds;

        clock.Restart();
        double[][,] c = await v.PullAsync<double[,]>("c");
        figures["pull"] = clock.Elapsed.TotalSeconds;

        foreach (var (i, j) in new[] { (0, 0), (n - 1, n - 1), (n / 3, n / 2) })
        {
            var expected = 0.0;
            for (var k = 0; k < n; k++)
            {
                expected += a[i, k] * b[k, j];
            }

            if (c.Any(ci => Math.Abs(ci[i, j] - expected) > 1e-9 * expected))
            {
                throw new InvalidOperationException($"c[{i}, {j}] is wrong");
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(figures));
    }

    private static Dictionary<string, double>? RunParallax(int n, string kind)
    {
        var start = ChildProcesses.Self(ChildVerb, n.ToString(CultureInfo.InvariantCulture));
        if (kind is "arrays" or "one-at-a-time" or "code-string")
        {
            start.ArgumentList.Add("--" + kind);
        }

        return ChildProcesses.RunJson(start, kind);
    }

    private static Dictionary<string, double>? RunIpyparallel(int n)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Engines", "seed_flow_anchor.py");
        if (!File.Exists(python) || !File.Exists(script))
        {
            Console.WriteLine("  ipyparallel: /usr/bin/python3 or the script is missing; no anchor");
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));

        // Debian's OpenBLAS misdetects this CPU and runs several times slower without it.
        start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
        return ChildProcesses.RunJson(start, "ipyparallel");
    }

    private static string Uptime() => File.ReadAllText("/proc/loadavg").Split(' ')[..3] is var l ? $"load average {l[0]}, {l[1]}, {l[2]}" : "";

    private static double[,] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var m = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                m[i, j] = rng.NextDouble();
            }
        }

        return m;
    }
}
