using System.Diagnostics;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// The issue's engine figures in one run: `dotnet run -c Release --project tests/Parallax.Benchmarks -- engines [N]`.
/// Each row prints the Parallax time next to the ipyparallel anchor of FIGURES.md (measured on this
/// machine kind) as a ratio; the last row compares the distributed product with one local product
/// measured back to back in this process.
/// </summary>
internal static class EnginesBench
{
    public static async Task RunAsync(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        var gemmN = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
        Console.WriteLine($"Engines benchmark: {Environment.ProcessorCount} cores, matrices {n}x{n} ({n * n * 8L / 1e6:F0} MB each), product rows at {gemmN}x{gemmN}");
        Console.WriteLine($"{"what",-46} {"Parallax",12} {"anchor",12} {"ratio",8}");

        // Start: the median of three cold starts of 3 engines.
        var starts = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            await using var c = await Cluster.StartAsync(3);
            starts.Add(sw.Elapsed.TotalSeconds);
        }

        Row("start 3 engines and connect", starts.Order().ElementAt(1), 6.9, "s");

        await using var cluster = await Cluster.StartAsync(3);
        var v = cluster.Client[..];

        // Round trip: ApplySync of a constant on 3 engines.
        for (var i = 0; i < 500; i++)
        {
            v.Submit<string>(BenchStubs.Call(BenchStubs.Hello)).Get();
        }

        const int trips = 3000;
        var rt = Stopwatch.StartNew();
        for (var i = 0; i < trips; i++)
        {
            v.Submit<string>(BenchStubs.Call(BenchStubs.Hello)).Get();
        }

        Row("ApplySync round trip, 3 engines", rt.Elapsed.TotalMilliseconds / trips, 5.1, "ms");

        var a = Random(n, n, 1);
        var b = Random(n, n, 2);
        v.Push(new { a, b }); // warm-up: first segment, first deserializers
        var push = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            v.Push(new { a, b });
            push.Add(sw.Elapsed.TotalSeconds);
        }

        Row($"push a, b ({2 * n * n * 8L / 1e6:F0} MB) to 3 engines", push.Min(), 6.06, "s");
        var pushFloor = FreshCopySeconds([a, b]);
        Console.WriteLine($"{"  floor: copy a, b once into fresh memory",-46} {pushFloor,10:F4} s {"",12} {push.Min() / pushFloor,7:F3}x  (Parallax / floor, same run)");

        v.Submit(BenchStubs.Call(BenchStubs.CopyAToC)).Get();
        v.Pull<double[,]>("c");
        var pull = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            var c = v.Pull<double[,]>("c");
            pull.Add(sw.Elapsed.TotalSeconds);
            if (c.Length != 3 || c[2][n - 1, n - 1] != a[n - 1, n - 1])
            {
                throw new InvalidOperationException("pull returned the wrong matrix");
            }
        }

        Row($"pull c from 3 engines (3 x {n * n * 8L / 1e6:F0} MB)", pull.Min(), 3.45, "s");
        var pullFloor = FreshCopySeconds([a, a, a]);
        Console.WriteLine($"{"  floor: copy 3 x c into fresh arrays",-46} {pullFloor,10:F4} s {"",12} {pull.Min() / pullFloor,7:F3}x  (Parallax / floor, same run)");
        v.Submit(BenchStubs.Call(BenchStubs.CopyAToC)).Get();

        // Scatter a, push b, multiply, gather, against one local product with all cores, back to back.
        // Both sides warm up once (JIT of the kernel in this process and in every engine) before the timed run.
        var ga = Random(gemmN, gemmN, 3);
        var gb = Random(gemmN, gemmN, 4);
        Kernel.Multiply(ga, gb, Environment.ProcessorCount);
        var local = Stopwatch.StartNew();
        var expected = Kernel.Multiply(ga, gb, Environment.ProcessorCount);
        var localSeconds = local.Elapsed.TotalSeconds;
        double[,] Distributed()
        {
            v.Scatter("ap", ga);
            v.Push(new { b = gb });
            v.Submit(BenchStubs.Call(BenchStubs.MultiplyBlock)).Get();
            return v.Gather<double[,]>("cp");
        }

        Distributed();
        var distributed = Stopwatch.StartNew();
        var cp = Distributed();
        var distributedSeconds = distributed.Elapsed.TotalSeconds;
        if (cp[gemmN - 1, gemmN - 1] != expected[gemmN - 1, gemmN - 1])
        {
            throw new InvalidOperationException("the distributed product differs from the local one");
        }

        Console.WriteLine($"{"scatter a, push b, multiply, gather (" + gemmN + ")",-46} {distributedSeconds,10:F3} s {localSeconds,10:F3} s {distributedSeconds / localSeconds,7:F2}x  (anchor: one local product, same kernel, same run)");

        await ThresholdAsync();
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
            var ti = Time(() => inline.Client[..].Push("x", x));
            var ts = Time(() => shared.Client[..].Push("x", x));
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

    private static void Row(string what, double parallax, double anchor, string unit) =>
        Console.WriteLine($"{what,-46} {parallax,10:F4} {unit} {anchor,10:F3} {unit} {parallax / anchor,7:F3}x  (anchor: ipyparallel, FIGURES.md)");

    private static double[,] Random(int rows, int columns, int seed)
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
