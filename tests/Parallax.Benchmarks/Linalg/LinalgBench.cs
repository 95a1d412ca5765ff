using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Parallax.Benchmarks.Linalg;

/// <summary>
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- linalg [N ...]</c>: Linalg.Dot against
/// OpenBLAS's cblas_dgemm (the library under numpy's np.dot), MathNet.Numerics' managed provider and a
/// naive loop, back to back in one process, as GFLOP/s and the ratio to OpenBLAS. A plain command
/// rather than BenchmarkDotNet: one 5000³ product takes seconds, so a few timed repetitions suffice.
/// </summary>
internal static partial class LinalgBench
{
    private const int NaiveAndMathNetLimit = 1000;

    public static void Run(string[] args)
    {
        // "--threads T" pins both libraries to T threads (default: Linalg.MaxThreads, i.e. all cores).
        int at = Array.IndexOf(args, "--threads");
        if (at >= 0)
        {
            Parallax.Linalg.MaxThreads = int.Parse(args[at + 1]);
            args = [.. args[..at], .. args[(at + 2)..]];
        }

        int[] sizes = args.Length > 0 ? args.Select(int.Parse).ToArray() : [256, 1000, 2000, 5000];
        int threads = Parallax.Linalg.MaxThreads;
        bool haveBlas = OpenBlas.TryLoad(out var blasDescription);
        if (haveBlas)
        {
            OpenBlas.SetThreads(threads);
        }

        Control.UseManaged();
        double measuredPeak = MeasureFmaPeak(threads);
        double ghz = NominalGhz();
        double peak = threads * 2 * 8 * 2 * ghz; // cores x FMA pipes x doubles per zmm x flops per FMA x clock
        Console.WriteLine($"Linalg.Dot benchmark: {Environment.ProcessorCount} cores, {threads} threads, kernel {Parallax.Linalg.KernelDescription}, .NET {Environment.Version}");
        Console.WriteLine(blasDescription);
        Console.WriteLine($"FMA peak: {threads} cores x 2 FMA x 8 doubles x 2 flops x {ghz:F2} GHz (/proc/cpuinfo) = {peak:F1} GFLOP/s; " +
            $"a register-only Vector512 FMA loop reached {measuredPeak:F1} GFLOP/s just now (lower means the machine is busy, higher means boost clock)");
        Console.WriteLine($"load average {LoadAverage()}; times are the median of interleaved rounds after a first call (cold: the first product of that size in this process, printed beside)");
        Console.WriteLine($"{"N",6} {"implementation",-34} {"cold s",8} {"median s",9} {"GFLOP/s",9} {"vs OpenBLAS",12} {"vs numpy",9} {"of peak",8}");
        foreach (int n in sizes)
        {
            var rng = new Random(n);
            var a = RandomMatrix(rng, n);
            var b = RandomMatrix(rng, n);
            var flat = new double[n * n];
            double flops = 2.0 * n * n * n;
            int reps = n <= 256 ? 51 : n <= 1000 ? 7 : n <= 2000 ? 5 : 3;
            var fa = Flatten(a);
            var fb = Flatten(b);
            var into = new double[n * n];

            // numpy's a @ b (a new result each call) in a fresh Python process before and after the C# rounds.
            var numpy = n >= 1000 ? Numpy(n, reps) : null;

            // Interleaved rounds (OpenBLAS, Linalg into c, Linalg new array, ..., then backwards), medians of each:
            // on a shared machine every contender then meets the same bursts of other load.
            Action[] contenders =
            [
                haveBlas ? () => OpenBlas.Dgemm(n, n, n, fa, fb, flat) : () => { },
                () => Parallax.Linalg.Dot(fa, n, n, n, fb, n, n, n, into, n),
                () => Parallax.Linalg.Dot(a, b),
                () => Parallax.Linalg.Gemm(1.0, a, Transpose.None, b, Transpose.None, 0.0, new double[n, n]),
            ];
            var (first, median) = Interleaved(reps, contenders);
            if (numpy is { } before && Numpy(n, reps) is { } after)
            {
                numpy = ((before.First + after.First) / 2, (before.Times + after.Times) / 2);
            }

            double blas = haveBlas ? median[0] : double.NaN;
            double np = numpy?.Times ?? double.NaN;
            if (haveBlas)
            {
                Print(n, "OpenBLAS cblas_dgemm into c", first[0], blas, flops, blas, double.NaN, peak);
            }

            if (numpy is { } py)
            {
                Print(n, "numpy a @ b (new result)", py.First, py.Times, flops, blas, py.Times, peak);
            }

            Print(n, "Linalg.Dot (spans, into c)", first[1], median[1], flops, blas, double.NaN, peak);
            Print(n, "Linalg.Dot(a, b) new array", first[2], median[2], flops, blas, np, peak);
            Print(n, "  same, no prefault (new + Gemm)", first[3], median[3], flops, blas, np, peak);
            if (n >= 1000)
            {
                // The physical floor of a new result: the flops at the FMA rate measured now, plus the first
                // touch of the result's bytes (a fresh anonymous mapping written once, measured now).
                double compute = flops / (measuredPeak * 1e9), touch = FreshTouchSeconds((nuint)n * (nuint)n * sizeof(double));
                string numpyShare = numpy is { } q ? ((compute + touch) / q.Times).ToString("P0", CultureInfo.InvariantCulture) : "n/a";
                Console.WriteLine($"{"",6} floor: {compute:F3} s of FMAs at {measuredPeak:F0} GFLOP/s + {touch:F3} s first touch of {n * (long)n * 8 / 1e6:F0} MB = {compute + touch:F3} s; " +
                    $"Linalg.Dot(a, b) reaches {(compute + touch) / median[2]:P0} of it, numpy {numpyShare}; into c {compute / median[1]:P0} of the FMA floor");
            }

            if (haveBlas)
            {
                Console.WriteLine($"{"",6} max |Linalg - OpenBLAS| = {MaxDifference(into, flat):E2}");
            }

            if (n > NaiveAndMathNetLimit)
            {
                Console.WriteLine($"{"",6} (MathNet managed and the naive loop skipped above N = {NaiveAndMathNetLimit}: minutes per run)");
                continue;
            }

            var ma = DenseMatrix.OfArray(a);
            var mb = DenseMatrix.OfArray(b);
            double mathNet = Best(Math.Min(reps, 3), () => ma.Multiply(mb));
            Print(n, "MathNet managed provider", mathNet, mathNet, flops, blas, double.NaN, peak);
            double naive = Best(1, () => Naive(n, fa, fb, into));
            Print(n, "naive i-k-j loop", naive, naive, flops, blas, double.NaN, peak);
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    private static void Print(int n, string what, double cold, double seconds, double flops, double blasSeconds, double numpySeconds, double peak)
    {
        double gflops = flops / seconds / 1e9;
        string blas = double.IsNaN(blasSeconds) ? "n/a" : $"{blasSeconds / seconds:F2}x";
        string numpy = double.IsNaN(numpySeconds) ? "" : $"{numpySeconds / seconds:F2}x";
        Console.WriteLine($"{n,6} {what,-34} {cold,8:F4} {seconds,9:F4} {gflops,9:F1} {blas,12} {numpy,9} {gflops / peak,8:P0}");
    }

    /// <summary>Each contender's first call, then <paramref name="reps"/> rounds in alternating order; medians.</summary>
    private static (double[] First, double[] Median) Interleaved(int reps, Action[] contenders)
    {
        var first = contenders.Select(Seconds).ToArray();
        var times = contenders.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < reps; r++)
        {
            for (int j = 0; j < contenders.Length; j++)
            {
                int i = r % 2 == 0 ? j : contenders.Length - 1 - j;
                times[i].Add(Seconds(contenders[i]));
            }
        }

        return (first, [.. times.Select(Median)]);
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>Writing <paramref name="bytes"/> of a fresh anonymous mapping once (median of 3): what the first touch of a new result costs here now.</summary>
    private static unsafe double FreshTouchSeconds(nuint bytes)
    {
        var times = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            nint p = Mmap(0, bytes, 3, 0x22, -1, 0); // PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS
            var clock = Stopwatch.StartNew();
            for (nuint done = 0; done < bytes; done += int.MaxValue)
            {
                new Span<byte>((byte*)p + done, (int)Math.Min(bytes - done, int.MaxValue)).Fill(1);
            }

            times.Add(clock.Elapsed.TotalSeconds);
            _ = Munmap(p, bytes);
        }

        return Median(times);
    }

    /// <summary>numpy's a @ b timed by Linalg/numpy_anchor.py in a fresh process (first call, median of the rest), or null without /usr/bin/python3 and numpy.</summary>
    private static (double First, double Times)? Numpy(int n, int reps)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "Linalg", "numpy_anchor.py");
        if (!File.Exists(python) || !File.Exists(script))
        {
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, n.ToString(CultureInfo.InvariantCulture), reps.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["OPENBLAS_CORETYPE"] = OpenBlas.CoreType;
        start.Environment["OPENBLAS_NUM_THREADS"] = Parallax.Linalg.MaxThreads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            return null;
        }

        using var json = JsonDocument.Parse(lines[^1]);
        var times = json.RootElement.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).ToArray();
        return (json.RootElement.GetProperty("first").GetDouble(), Median(times));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    /// <summary>Best of a warm-up plus <paramref name="reps"/> runs: on a shared machine the minimum is the least disturbed.</summary>
    private static double Best(int reps, Action action)
    {
        action();
        double best = double.MaxValue;
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static void Naive(int n, double[] a, double[] b, double[] c)
    {
        Array.Clear(c);
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < n; p++)
            {
                double x = a[i * n + p];
                for (int j = 0; j < n; j++)
                {
                    c[i * n + j] += x * b[p * n + j];
                }
            }
        }
    }

    /// <summary>
    /// This CPU's attainable FMA throughput: 24 independent Vector512 FMA chains per thread, in
    /// registers, on every benchmark thread at once (2 cores x 2 FMA pipes x 8 doubles x 2 flops x clock).
    /// </summary>
    private static double MeasureFmaPeak(int threads) => global::Notebook.MachineFloors.FmaGflops(threads);

    /// <summary>The clock /proc/cpuinfo reports (a VM reports the nominal TSC rate, not the boost), or 0 elsewhere.</summary>
    private static double NominalGhz()
    {
        const string path = "/proc/cpuinfo";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal)) : null;
        return line is not null && double.TryParse(line[(line.IndexOf(':') + 1)..], CultureInfo.InvariantCulture, out double mhz) ? mhz / 1000 : double.NaN;
    }

    internal static double FmaChains(long iterations) => global::Notebook.MachineFloors.FmaChains(iterations);

    private static double[,] RandomMatrix(Random rng, int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[i, j] = rng.NextDouble() * 2 - 1;
            }
        }

        return m;
    }

    private static double[] Flatten(double[,] m)
    {
        var flat = new double[m.Length];
        Buffer.BlockCopy(m, 0, flat, 0, m.Length * sizeof(double));
        return flat;
    }

    private static double MaxDifference(double[] x, double[] y)
    {
        double max = 0;
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, Math.Abs(x[i] - y[i]));
        }

        return max;
    }
}
