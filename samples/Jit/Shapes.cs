using System.Diagnostics;
using System.Text;
using Parallax;

/// <summary>
/// Issue 13's kernels: Mandelbrot (a while loop per pixel, masks per lane) and a 4-point blur (a
/// stencil over a 2-D array), each next to the same loop without [Jit]. Timings are medians of
/// interleaved rounds (plain, kernel, plain, kernel, ...), with each one's first call apart.
/// </summary>
internal static class Shapes
{
    public static void Run()
    {
        // A small picture first, from the kernel itself: '@' never escaped, then fewer iterations to lighter marks.
        var picture = new int[24, 72];
        ShapeKernels.Mandelbrot(-2.0, -1.2, 3.0 / 72, 2.4 / 24, 200, picture);
        const string shades = " .:-=+*#%@";
        var text = new StringBuilder();
        for (int row = 0; row < picture.GetLength(0); row++)
        {
            for (int col = 0; col < picture.GetLength(1); col++)
            {
                int k = picture[row, col];
                text.Append(k >= 200 ? '@' : shades[Math.Min(shades.Length - 2, (int)(Math.Sqrt(k / 200.0) * (shades.Length - 1)))]);
            }

            text.AppendLine();
        }

        Console.Write(text);

        const int width = 600, height = 400, maxIter = 500;
        double x0 = -2.0, y0 = -1.2, dx = 3.0 / width, dy = 2.4 / height;
        var counts = new int[height, width];
        Interleaved(
            "Mandelbrot 600x400, 500 iterations",
            ("plain C#", () => ShapeKernels.MandelbrotPlain(x0, y0, dx, dy, maxIter, counts)),
            ("[Jit]", () => ShapeKernels.Mandelbrot(x0, y0, dx, dy, maxIter, counts)),
            ("[Jit(Parallel = true)]", () => ShapeKernels.MandelbrotParallel(x0, y0, dx, dy, maxIter, counts)));

        var random = new Random(3);
        var src = new double[2000, 2000];
        var dst = new double[2000, 2000];
        for (int i = 0; i < 2000; i++)
            for (int j = 0; j < 2000; j++)
                src[i, j] = random.NextDouble();
        Interleaved(
            "4-point blur of 2000x2000 doubles",
            ("plain C#", () => ShapeKernels.BlurPlain(src, dst)),
            ("[Jit]", () => ShapeKernels.Blur(src, dst)));
    }

    /// <summary>Each variant's first call, then 11 interleaved rounds; prints medians and the ratio to the first variant.</summary>
    private static void Interleaved(string what, params (string Name, Action Run)[] variants)
    {
        var first = new double[variants.Length];
        var times = variants.Select(_ => new List<double>()).ToArray();
        for (int v = 0; v < variants.Length; v++)
        {
            var clock = Stopwatch.StartNew();
            variants[v].Run();
            first[v] = clock.Elapsed.TotalMilliseconds;
        }

        for (int round = 0; round < 11; round++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                var clock = Stopwatch.StartNew();
                variants[v].Run();
                times[v].Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Console.WriteLine(what + ":");
        double baseline = Median(times[0]);
        for (int v = 0; v < variants.Length; v++)
        {
            double median = Median(times[v]);
            Console.WriteLine($"  {variants[v].Name,-24} first call {first[v],7:F1} ms, warm {median,7:F1} ms ({baseline / median:F1}x the plain loop)");
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

internal static partial class ShapeKernels
{
    /// <summary>Issue 13's Mandelbrot: a while loop per pixel, which the kernel runs in vector lanes with a mask per lane.</summary>
    [Jit]
    public static void Mandelbrot(double x0, double y0, double dx, double dy, int maxIter, int[,] counts)
    {
        for (int row = 0; row < counts.GetLength(0); row++)
            for (int col = 0; col < counts.GetLength(1); col++)
            {
                double cr = x0 + col * dx, ci = y0 + row * dy, zr = 0, zi = 0;
                int k = 0;
                while (k < maxIter && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
                counts[row, col] = k;
            }
    }

    /// <summary>The same, its rows split over the cores (Numba's prange on the outer loop).</summary>
    [Jit(Parallel = true)]
    public static void MandelbrotParallel(double x0, double y0, double dx, double dy, int maxIter, int[,] counts)
    {
        for (int row = 0; row < counts.GetLength(0); row++)
            for (int col = 0; col < counts.GetLength(1); col++)
            {
                double cr = x0 + col * dx, ci = y0 + row * dy, zr = 0, zi = 0;
                int k = 0;
                while (k < maxIter && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
                counts[row, col] = k;
            }
    }

    /// <summary>The plain C# loop, for comparison.</summary>
    public static void MandelbrotPlain(double x0, double y0, double dx, double dy, int maxIter, int[,] counts)
    {
        for (int row = 0; row < counts.GetLength(0); row++)
            for (int col = 0; col < counts.GetLength(1); col++)
            {
                double cr = x0 + col * dx, ci = y0 + row * dy, zr = 0, zi = 0;
                int k = 0;
                while (k < maxIter && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
                counts[row, col] = k;
            }
    }

    /// <summary>Issue 13's blur: a stencil over a 2-D array; the inner loop runs in vector lanes, row by row.</summary>
    [Jit]
    public static void Blur(double[,] src, double[,] dst)
    {
        int n = src.GetLength(0), m = src.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
    }

    /// <summary>The plain C# loop, for comparison.</summary>
    public static void BlurPlain(double[,] src, double[,] dst)
    {
        int n = src.GetLength(0), m = src.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
    }
}
