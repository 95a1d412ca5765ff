using System.Diagnostics;
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
internal static class LinalgBench
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
        Console.WriteLine($"{"N",6} {"implementation",-28} {"seconds",9} {"GFLOP/s",9} {"vs OpenBLAS",12} {"of peak",8}");
        foreach (int n in sizes)
        {
            var rng = new Random(n);
            var a = RandomMatrix(rng, n);
            var b = RandomMatrix(rng, n);
            var flat = new double[n * n];
            double flops = 2.0 * n * n * n;
            int reps = n <= 256 ? 50 : n <= 1000 ? 7 : n <= 2000 ? 5 : 3;
            var fa = Flatten(a);
            var fb = Flatten(b);
            var into = new double[n * n];

            // Interleaved rounds (OpenBLAS, Linalg into c, Linalg new array, OpenBLAS, ...), best of each:
            // on a shared machine every contender then meets the same bursts of other load.
            Action[] contenders =
            [
                haveBlas ? () => OpenBlas.Dgemm(n, n, n, fa, fb, flat) : () => { },
                () => Parallax.Linalg.Dot(fa, n, n, n, fb, n, n, n, into, n),
                () => Parallax.Linalg.Dot(a, b),
            ];
            var best = BestInterleaved(reps, contenders);
            double blas = haveBlas ? best[0] : double.NaN;
            if (haveBlas)
            {
                Print(n, "OpenBLAS cblas_dgemm", blas, flops, blas, peak);
            }

            Print(n, "Linalg.Dot (spans, into c)", best[1], flops, blas, peak);
            Print(n, "Linalg.Dot(a, b) new array", best[2], flops, blas, peak);
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
            Print(n, "MathNet managed provider", Best(Math.Min(reps, 3), () => ma.Multiply(mb)), flops, blas, peak);
            Print(n, "naive i-k-j loop", Best(1, () => Naive(n, fa, fb, into)), flops, blas, peak);
        }
    }

    private static void Print(int n, string what, double seconds, double flops, double blasSeconds, double peak)
    {
        double gflops = flops / seconds / 1e9;
        string ratio = double.IsNaN(blasSeconds) ? "n/a" : $"{blasSeconds / seconds:F2}x";
        Console.WriteLine($"{n,6} {what,-28} {seconds,9:F4} {gflops,9:F1} {ratio,12} {gflops / peak,8:P0}");
    }

    private static double[] BestInterleaved(int reps, Action[] contenders)
    {
        var best = new double[contenders.Length];
        Array.Fill(best, double.MaxValue);
        foreach (var warmUp in contenders)
        {
            warmUp();
        }

        for (int r = 0; r < reps; r++)
        {
            for (int i = 0; i < contenders.Length; i++)
            {
                var clock = Stopwatch.StartNew();
                contenders[i]();
                best[i] = Math.Min(best[i], clock.Elapsed.TotalSeconds);
            }
        }

        return best;
    }

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
    private static double MeasureFmaPeak(int threads)
    {
        const long iterations = 20_000_000;
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => FmaChains(iterations));
            best = Math.Max(best, threads * iterations * 24 * 8 * 2 / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>The clock /proc/cpuinfo reports (a VM reports the nominal TSC rate, not the boost), or 0 elsewhere.</summary>
    private static double NominalGhz()
    {
        const string path = "/proc/cpuinfo";
        var line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal)) : null;
        return line is not null && double.TryParse(line[(line.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out double mhz) ? mhz / 1000 : double.NaN;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FmaChains(long iterations)
    {
        var m = Vector512.Create(0.999999);
        var x = Vector512.Create(1e-9);
        Vector512<double> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        Vector512<double> b0 = m, b1 = m, b2 = m, b3 = m, b4 = m, b5 = m, b6 = m, b7 = m, b8 = m, b9 = m, b10 = m, b11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, x); a1 = Vector512.FusedMultiplyAdd(a1, m, x); a2 = Vector512.FusedMultiplyAdd(a2, m, x);
            a3 = Vector512.FusedMultiplyAdd(a3, m, x); a4 = Vector512.FusedMultiplyAdd(a4, m, x); a5 = Vector512.FusedMultiplyAdd(a5, m, x);
            a6 = Vector512.FusedMultiplyAdd(a6, m, x); a7 = Vector512.FusedMultiplyAdd(a7, m, x); a8 = Vector512.FusedMultiplyAdd(a8, m, x);
            a9 = Vector512.FusedMultiplyAdd(a9, m, x); a10 = Vector512.FusedMultiplyAdd(a10, m, x); a11 = Vector512.FusedMultiplyAdd(a11, m, x);
            b0 = Vector512.FusedMultiplyAdd(b0, m, x); b1 = Vector512.FusedMultiplyAdd(b1, m, x); b2 = Vector512.FusedMultiplyAdd(b2, m, x);
            b3 = Vector512.FusedMultiplyAdd(b3, m, x); b4 = Vector512.FusedMultiplyAdd(b4, m, x); b5 = Vector512.FusedMultiplyAdd(b5, m, x);
            b6 = Vector512.FusedMultiplyAdd(b6, m, x); b7 = Vector512.FusedMultiplyAdd(b7, m, x); b8 = Vector512.FusedMultiplyAdd(b8, m, x);
            b9 = Vector512.FusedMultiplyAdd(b9, m, x); b10 = Vector512.FusedMultiplyAdd(b10, m, x); b11 = Vector512.FusedMultiplyAdd(b11, m, x);
        }

        var sum = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9 + b10 + b11;
        return Vector512.Sum(sum);
    }

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
