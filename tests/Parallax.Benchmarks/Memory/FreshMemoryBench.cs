using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Parallax.CompilerServices;

namespace Parallax.Benchmarks.Memory;

/// <summary>
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- freshmem [MB] [--rounds R]</c>: what makes
/// first touch of a new array cheapest on this machine. Each way of getting an array of MB megabytes
/// and filling it (TensorPrimitives.Add, as arr_sum does) runs in fresh child processes, R rounds
/// interleaved across the ways, so that every row meets the same load; each child prints its first
/// call (cold: the process has never had that memory) and the median of five later calls (warm: the
/// GC may hand back the memory it kept). Medians over the rounds, page faults beside each, and the
/// floor: the same fill into an array the process already uses. The seed's arr_sum ([Jit] and its plain
/// loop) runs as two more ways, so the allocated [Jit] kernel is read against the simplest hand-written
/// C# (TensorPrimitives.Add into GC.AllocateUninitializedArray), cold and warm.
/// </summary>
internal static partial class FreshMemoryBench
{
    private const int MadvHugePage = 14;
    private const int MadvPopulateWrite = 23;

    private static readonly (string Name, string What, string? Environment)[] Ways =
    [
        ("new", "new double[n] (the GC's path; fresh memory is not zeroed again)", null),
        ("uninit", "GC.AllocateUninitializedArray, faults inside the fill", null),
        ("populate", "+ madvise(MADV_POPULATE_WRITE), one call", null),
        ("parallel", "+ MADV_POPULATE_WRITE, halves on 2 threads", null),
        ("huge", "+ madvise(MADV_HUGEPAGE), then POPULATE_WRITE", null),
        ("output", "JitMemory.AllocateOutput (what [Jit] ships)", null),
        ("jit", "[Jit] ArrSum (AllocateOutput + the generated kernel)", null),
        ("loop", "arr_sum's plain loop (new double[n], scalar)", null),
        ("mmap", "mmap(MAP_POPULATE), outside the GC heap", null),
        ("retain", "new double[n] under DOTNET_GCRetainVM=1", "DOTNET_GCRetainVM=1"),
        ("conserve", "new double[n] under DOTNET_GCConserveMemory=5", "DOTNET_GCConserveMemory=5"),
    ];

    public static void Run(string[] args)
    {
        if (args is ["--child", var way, var mbText])
        {
            Child(way, int.Parse(mbText, CultureInfo.InvariantCulture));
            return;
        }

        int at = Array.IndexOf(args, "--rounds");
        int rounds = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 5;
        int mb = args.Length > 0 && int.TryParse(args[0], out int m) ? m : 80;
        Console.WriteLine($"Fresh memory: {mb} MB arrays filled by TensorPrimitives.Add, {rounds} rounds of fresh processes, interleaved; " +
            $"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; " +
            $"transparent huge pages: {ThpMode()}");
        var results = Ways.ToDictionary(w => w.Name, _ => new List<double[]>());
        for (int r = 0; r < rounds; r++)
        {
            foreach (var (name, _, environment) in r % 2 == 0 ? Ways : Ways.Reverse())
            {
                results[name].Add(RunChild(name, mb, environment));
            }
        }

        Console.WriteLine($"{"way",-62} {"cold ms",9} {"faults",8} {"warm ms",9} {"faults",8}  (medians of {rounds} processes)");
        double floor = Median(results.Values.SelectMany(v => v).Select(v => v[4]));
        foreach (var (name, what, _) in Ways)
        {
            var v = results[name];
            Console.WriteLine($"{what,-62} {Median(v.Select(x => x[0])),9:F1} {Median(v.Select(x => x[1])),8:F0} {Median(v.Select(x => x[2])),9:F1} {Median(v.Select(x => x[3])),8:F0}" +
                $"  cold range {v.Min(x => x[0]):F0}–{v.Max(x => x[0]):F0}");
        }

        Console.WriteLine($"{"floor: the same fill into an array the process already uses",-62} {floor,9:F1}");
        double Ratio(string a, string b, int column) => Median(results[a].Select(x => x[column])) / Median(results[b].Select(x => x[column]));
        Console.WriteLine($"[Jit] ArrSum / (TensorPrimitives.Add into GC.AllocateUninitializedArray): {Ratio("jit", "uninit", 0):F2}x cold, {Ratio("jit", "uninit", 2):F2}x warm (goal <= 1.1x); " +
            $"[Jit] / plain loop: {Ratio("jit", "loop", 0):F2}x cold, {Ratio("jit", "loop", 2):F2}x warm");
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private static double[] RunChild(string way, int mb, string? environment)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (!Environment.ProcessPath!.EndsWith("Parallax.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(FreshMemoryBench).Assembly.Location);
        }

        foreach (var a in new[] { "freshmem", "--child", way, mb.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        if (environment?.Split('=') is [var key, var value])
        {
            start.Environment[key] = value;
        }

        using var child = Process.Start(start)!;
        var line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
        child.WaitForExit();
        return [.. line.Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture))];
    }

    /// <summary>One process: the first call, five more (each result dropped before the next), and the fill into an array in use.</summary>
    private static void Child(string way, int mb)
    {
        int n = mb * 1_000_000 / sizeof(double);
        var x = new double[n];
        var y = new double[n];
        x.AsSpan().Fill(1);
        y.AsSpan().Fill(2);
        var into = new double[n];
        TensorPrimitives.Add(x, y, into);
        var (coldMs, coldFaults) = Time(() => Fill(way, x, y));
        var warm = Enumerable.Range(0, 5).Select(_ => Time(() => Fill(way, x, y))).ToArray();
        var floor = Enumerable.Range(0, 5).Select(_ => Time(() => TensorPrimitives.Add(x, y, into)).Ms).Order().ElementAt(2);
        Console.WriteLine(string.Join(' ', new double[] { coldMs, coldFaults, warm.Select(w => w.Ms).Order().ElementAt(2), warm.Select(w => w.Faults).Order().ElementAt(2), floor }
            .Select(d => d.ToString("R", CultureInfo.InvariantCulture))));
    }

    private static unsafe void Fill(string way, double[] x, double[] y)
    {
        int n = x.Length;
        nuint bytes = (nuint)n * sizeof(double);
        if (way is "jit" or "loop")
        {
            GC.KeepAlive(way == "jit" ? Parallax.Samples.SeedKernels.ArrSum(x, y) : Parallax.Samples.SeedKernels.ArrSumLoop(x, y));
            return;
        }

        if (way == "mmap")
        {
            const int ProtReadWrite = 3, MapPrivateAnonymous = 0x22, MapPopulate = 0x8000;
            var p = Mmap(0, bytes, ProtReadWrite, MapPrivateAnonymous | MapPopulate, -1, 0);
            TensorPrimitives.Add(x, y, new Span<double>((void*)p, n));
            _ = Munmap(p, bytes);
            return;
        }

        double[] r = way switch
        {
            "new" or "retain" or "conserve" => new double[n],
            "output" => JitMemory.AllocateOutput<double>(n),
            _ => GC.AllocateUninitializedArray<double>(n),
        };
        fixed (double* start = r)
        {
            var (first, end) = (((nuint)start + 4095) & ~(nuint)4095, ((nuint)start + bytes) & ~(nuint)4095);
            switch (way)
            {
                case "populate":
                    _ = Madvise((nint)first, end - first, MadvPopulateWrite);
                    break;
                case "parallel":
                    nuint half = ((end - first) / 2) & ~(nuint)4095;
                    Parallel.For(0, 2, i => Madvise((nint)(first + (nuint)i * half), i == 0 ? half : end - first - half, MadvPopulateWrite));
                    break;
                case "huge":
                    var (hugeFirst, hugeEnd) = (((nuint)start + (2u << 20) - 1) & ~(nuint)((2u << 20) - 1), ((nuint)start + bytes) & ~(nuint)((2u << 20) - 1));
                    _ = Madvise((nint)hugeFirst, hugeEnd - hugeFirst, MadvHugePage);
                    _ = Madvise((nint)first, end - first, MadvPopulateWrite);
                    break;
            }
        }

        TensorPrimitives.Add(x, y, r);
    }

    private static (double Ms, double Faults) Time(Action run)
    {
        long before = MinorFaults();
        var clock = Stopwatch.StartNew();
        run();
        return (clock.Elapsed.TotalMilliseconds, MinorFaults() - before);
    }

    private static long MinorFaults() =>
        long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7], CultureInfo.InvariantCulture);

    private static string ThpMode() =>
        File.Exists("/sys/kernel/mm/transparent_hugepage/enabled") ? File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Trim() : "n/a";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
