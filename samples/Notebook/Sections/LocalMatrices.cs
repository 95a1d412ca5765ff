using System.Diagnostics;
using System.Globalization;
using Parallax;

namespace Notebook.Sections;

internal sealed class LocalMatrices : Section
{
    public override string Title => "1. Multiply the matrices on the local computer (np.dot)";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        // The seed: N = 5000; a = np.random.randn(N, N); b = np.random.randn(N, N); %%time c = np.dot(a, b)
        int n = options.MatrixSize;
        var (a, b) = SeedMatrices.Get(n);
        cancellationToken.ThrowIfCancellationRequested();

        // numpy's kernels are compiled ahead of time; ours are JIT-compiled on first use, so warm them (and the
        // worker threads) on a small product, as a Python session has imported numpy before the timed cell.
        Linalg.Dot(new double[256, 256], new double[256, 256]);
        var clock = Stopwatch.StartNew();
        var c = Linalg.Dot(a, b);
        SeedMatrices.LocalProduct = c;
        double seconds = clock.Elapsed.TotalSeconds;
        double gflops = 2.0 * n * n * n / seconds / 1e9;
        Console.WriteLine($"  c = Linalg.Dot(a, b) with N = {n}: wall time {seconds:F2} s, {gflops:F1} GFLOP/s " +
            $"({Linalg.MaxThreads} threads, {Linalg.KernelDescription} kernel)");
        Console.WriteLine($"  {Anchors.Describe(options, "numpy_dot")} (the first product in a fresh process); " +
            $"Linalg.Dot's time: {Anchors.Ratio(options, seconds, "numpy_dot")}");
        double floor = (2.0 * n * n * n / (MachineFloors.FmaGflops() * 1e9)) + MachineFloors.FreshTouchSeconds(c.Length * (long)sizeof(double));
        Console.WriteLine($"  floor now (the FMA rate of every core, plus the first touch of the new 200 MB result): {floor:F2} s, {floor / seconds:P0} of it reached");
        PrintCorners(c);

        // A fresh 200 MB result is first touched inside the product; on a VM each page fault is slow, so
        // the same product into the existing c shows what the arithmetic alone costs.
        clock.Restart();
        Linalg.Gemm(1.0, a, Transpose.None, b, Transpose.None, 0.0, c);
        seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  again into the existing c (Linalg.Gemm, no allocation): {seconds:F2} s, {2.0 * n * n * n / seconds / 1e9:F1} GFLOP/s");
        return Task.CompletedTask;
    }

    /// <summary>numpy's randn: standard normal values, by Box–Muller.</summary>
    internal static double[,] RandomNormal(Random rng, int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[i, j] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            }
        }

        return m;
    }

    /// <summary>Prints the matrix the way numpy summarises a large one: three rows and columns at each corner.</summary>
    internal static void PrintCorners(double[,] c)
    {
        int rows = c.GetLength(0), cols = c.GetLength(1);
        int[] shownRows = rows <= 6 ? [.. Enumerable.Range(0, rows)] : [0, 1, 2, -1, rows - 3, rows - 2, rows - 1];
        int[] shownCols = cols <= 6 ? [.. Enumerable.Range(0, cols)] : [0, 1, 2, -1, cols - 3, cols - 2, cols - 1];
        foreach (int i in shownRows)
        {
            Console.WriteLine(i < 0
                ? "   ..."
                : "   [" + string.Join(" ", shownCols.Select(j => j < 0 ? "     ..." : c[i, j].ToString("F8", CultureInfo.InvariantCulture).PadLeft(14))) + "]");
        }
    }
}

/// <summary>
/// The seed's a and b, made once and shared by its two matrix sections, as the notebook's cells share
/// them; and the local product of section 1, which section 2 compares the engines' results with.
/// </summary>
internal static class SeedMatrices
{
    private static (int N, double[,] A, double[,] B)? made;

    public static double[,]? LocalProduct { get; set; }

    public static (double[,] A, double[,] B) Get(int n)
    {
        if (made is not { } m || m.N != n)
        {
            var rng = new Random(2026);
            var a = LocalMatrices.RandomNormal(rng, n);
            made = m = (n, a, LocalMatrices.RandomNormal(rng, n));
            LocalProduct = null;
        }

        return (m.A, m.B);
    }
}
