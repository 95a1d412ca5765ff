using System.Diagnostics;
using Parallax;

namespace Notebook.Sections;

internal sealed class ParallelClient : Section
{
    public override string Title => "2. Multiply on IPython's parallel client (engines)";

    public override async Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        var (a, b) = SeedMatrices.Get(options.MatrixSize);

        // The floors under the cells below, measured now, before any engine runs: the FMA rate of every
        // core and the first touch of fresh memory (per matrix of N² doubles).
        double fma = MachineFloors.FmaGflops();
        double touch = MachineFloors.FreshTouchSeconds(a.Length * (long)sizeof(double));

        // In [14]: cl = Client(). ipcluster started the engines beforehand; here the cluster starts
        // three engine processes itself and stops them when disposed (or when this process dies).
        var clock = Stopwatch.StartNew();
        await using var cluster = await Cluster.StartAsync(engines: 3, cancellationToken: cancellationToken);
        var cl = cluster.Client;
        Console.WriteLine($"  cl = cluster.Client: 3 engines started and connected in {clock.Elapsed.TotalSeconds:F2} s ({Anchors.Ratio(options, clock.Elapsed.TotalSeconds, "ipp_start")})");

        // In [15]: cl.ids
        Console.WriteLine($"  cl.Ids = [{string.Join(", ", cl.Ids)}]");

        // In [16], [17]: v = cl[:]; v.apply_sync(lambda: "Hello!"). The lambda is a dispatch stub
        // compiled at build time: the engines receive its id, not code.
        var v = cl[..];
        string[] hello = v.ApplySync(() => "Hello!");
        Console.WriteLine($"  v.ApplySync(() => \"Hello!\") = [{string.Join(", ", hello.Select(h => $"'{h}'"))}]");

        // In [47]: v.execute('import numpy as np', block=True). A code string runs with `using System;
        // using System.Linq; using Parallax;` already, so this import is the one that makes Linalg
        // visible. The first code string costs more than the others: one engine loads the C# compiler
        // and compiles it, the other two load what it compiled.
        clock.Restart();
        await v.ExecuteAsync("using Parallax;", cancellationToken);
        Console.WriteLine($"  v.ExecuteAsync(\"using Parallax;\"): the first code string, {clock.Elapsed.TotalSeconds:F2} s (ipyparallel's import numpy: about 0.1 s)");

        // In [41]: v.push(dict(a=a, b=b), block=True). Written once into shared memory that all
        // three engines map, where ipyparallel pickles and sends it three times.
        clock.Restart();
        await v.PushAsync(new { a, b }, cancellationToken);
        double pushSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  v.PushSync(new {{ a, b }}): {2.0 * a.Length * sizeof(double) / 1e6:F0} MB to 3 engines in {pushSeconds:F2} s ({Anchors.Ratio(options, pushSeconds, "ipp_push")})");

        // In [49]: %%time r = v.execute('c = np.dot(a,b)', block=True), as a C# lambda on every engine.
        // The generator sees Engine.Get<double[,]> passed to Linalg.Dot and Engine.Set of the product:
        // each engine reads a and b where the push wrote them (no copy) and writes c into shared memory
        // a pull maps. (A code string, v.ExecuteAsync("var c = Linalg.Dot(a, b);"), reads a and b in place
        // too, since it only multiplies them; its c is a new array that the pull serializes.)
        clock.Restart();
        var r = v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))), cancellationToken);
        await r;
        double dotSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  v.ApplyAsync(() => Engine.Set(\"c\", Linalg.Dot(Engine.Get<double[,]>(\"a\"), Engine.Get<double[,]>(\"b\")))) on every engine: wall time {dotSeconds:F2} s ({Anchors.Ratio(options, dotSeconds, "ipp_dot")}; 10.2 s in the seed)");
        foreach (var m in r.Metadata)
        {
            Console.WriteLine($"    engine {m.EngineId}: started +{(m.Started - m.Submitted)?.TotalMilliseconds:F0} ms, ran {(m.Completed - m.Started)?.TotalSeconds:F2} s");
        }

        // In [50]: r.display_outputs(): nothing was printed, so nothing is shown, as in the seed.
        r.DisplayOutputs();

        // The seed's note on In [49]: execute also takes 'c = np.dot(a,b); print(c)'. Output printed on the
        // engines comes back with the result, one block per engine, which is what display_outputs() shows.
        var printed = v.ExecuteAsync("""Console.WriteLine($"c is {c.GetLength(0)} x {c.GetLength(1)}, c[0, 0] = {c[0, 0]:F8} on engine {Engine.Id}");""", cancellationToken);
        await printed;
        Console.WriteLine("  v.ExecuteAsync(\"Console.WriteLine(...c...)\").DisplayOutputs():");
        printed.DisplayOutputs();

        // In [51], [52]: dot = v.pull('c', block=True); print(dot)
        clock.Restart();
        double[][,] dot = await v.PullAsync<double[,]>("c", cancellationToken);
        double pullSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  v.PullSync<double[,]>(\"c\"): 3 x {a.Length * sizeof(double) / 1e6:F0} MB in {pullSeconds:F2} s ({Anchors.Ratio(options, pullSeconds, "ipp_pull")}); dot[0]:");
        LocalMatrices.PrintCorners(dot[0]);

        Console.WriteLine($"  {Anchors.Describe(options, "ipp_start", "ipp_push", "ipp_dot", "ipp_pull")}");
        PrintFloors(options, fma, touch, a.GetLength(0), pushSeconds, dotSeconds, pullSeconds);

        // In [53]: assert np.allclose(c, dot[0]); assert np.allclose(dot[0], dot[1]); ...
        var c = SeedMatrices.LocalProduct ?? Linalg.Dot(a, b);
        AssertAllClose(c, dot[0], "c", "dot[0]");
        AssertAllClose(dot[0], dot[1], "dot[0]", "dot[1]");
        AssertAllClose(dot[1], dot[2], "dot[1]", "dot[2]");
        bool identical = dot.All(d => Same(c, d));
        Console.WriteLine($"  allclose(c, dot[0]), allclose(dot[0], dot[1]), allclose(dot[1], dot[2]): true" +
            (identical ? "; every engine's product is bitwise equal to the local one" : ""));
    }

    /// <summary>
    /// The cells beside ipyparallel's and beside the floor: 3 products at the FMA rate of every core, and
    /// the first touch of what must be new memory (the push's 400 MB segment, the three results, the
    /// three arrays the pull returns). Python's own floor is the same machine's.
    /// </summary>
    private static void PrintFloors(NotebookOptions options, double fma, double touch, int n, double push, double dot, double pull)
    {
        double product = 2.0 * n * n * n / (fma * 1e9);
        var rows = new (string What, string Key, double Seconds, double Floor, double? Goal)[]
        {
            ("push a, b to 3 engines", "ipp_push", push, 2 * touch, null),
            ("c = Linalg.Dot(a, b) on every engine", "ipp_dot", dot, (3 * product) + (3 * touch), 1.0),
            ("pull 3 x c into new arrays", "ipp_pull", pull, 3 * touch, 0.5),
        };
        Console.WriteLine($"  floors now: {fma:F0} GFLOP/s of FMA on {Environment.ProcessorCount} cores, first touch {touch:F2} s per {n * (long)n * 8 / 1e6:F0} MB; ratio = Parallax / ipyparallel (< 1 is faster)");
        Console.WriteLine($"    {"cell",-38} {"Parallax",9} {"ipyparallel",11} {"ratio",7} {"goal",7} {"floor",7} {"floor/Parallax",14}");
        if (!Anchors.IsMeasured(options))
        {
            // Recorded ranges were measured on a busy machine: a quiet run here beats them by more than a same-run comparison would.
            Console.WriteLine("    (ipyparallel: recorded ranges, not this run; `-- --anchors` measures it now, and `tests/Parallax.Benchmarks -- seed-flow` interleaves both in fresh processes)");
        }
        double total = 0, totalPython = 0, totalFloor = 0;
        foreach (var (what, key, seconds, floor, goal) in rows)
        {
            double python = Anchors.IsComparable(options) ? Anchors.Seconds(options, key) : double.NaN;
            total += seconds;
            totalPython += python;
            totalFloor += floor;
            Console.WriteLine($"    {what,-38} {seconds,8:F2}s {Python(python),11} {Python(seconds / python, "x"),7} {(goal is { } g ? $"<={g:F1}x" : ""),7} {floor,6:F2}s {floor / seconds,14:P0}");
        }

        Console.WriteLine($"    {"the whole flow: push + Dot + pull",-38} {total,8:F2}s {Python(totalPython),11} {Python(total / totalPython, "x"),7} {"<=0.5x",7} {totalFloor,6:F2}s {totalFloor / total,14:P0}");

        // Quick runs have no anchor of their size unless --anchors measured it.
        static string Python(double value, string unit = "s") => double.IsNaN(value) ? "-" : value.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + unit;
    }

    /// <summary>numpy's allclose with its defaults: |x - y| <= 1e-8 + 1e-5 |y| everywhere.</summary>
    private static void AssertAllClose(double[,] x, double[,] y, string xName, string yName)
    {
        if (x.GetLength(0) != y.GetLength(0) || x.GetLength(1) != y.GetLength(1))
        {
            throw new InvalidOperationException($"{xName} is {x.GetLength(0)}x{x.GetLength(1)} but {yName} is {y.GetLength(0)}x{y.GetLength(1)}");
        }

        for (int i = 0; i < x.GetLength(0); i++)
        {
            for (int j = 0; j < x.GetLength(1); j++)
            {
                if (!(Math.Abs(x[i, j] - y[i, j]) <= 1e-8 + 1e-5 * Math.Abs(y[i, j])))
                {
                    throw new InvalidOperationException($"{xName}[{i}, {j}] = {x[i, j]:R} but {yName}[{i}, {j}] = {y[i, j]:R}: not allclose");
                }
            }
        }
    }

    private static bool Same(double[,] x, double[,] y) => x.Length == y.Length && Bytes(x).SequenceEqual(Bytes(y));

    private static ReadOnlySpan<byte> Bytes(double[,] m) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(m), m.Length * sizeof(double));
}
