using System.Diagnostics;
using System.Text;
using Parallax;
using Parallax.Samples;

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
        JitShapes.Mandelbrot(-2.0, -1.2, 3.0 / 72, 2.4 / 24, 200, picture);
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
            ("plain C#", () => PlainShapes.Mandelbrot(x0, y0, dx, dy, maxIter, counts)),
            ("[Jit]", () => JitShapes.Mandelbrot(x0, y0, dx, dy, maxIter, counts)),
            ("[Jit(Parallel = true)]", () => JitShapes.MandelbrotParallel(x0, y0, dx, dy, maxIter, counts)));

        var random = new Random(3);
        var src = new double[2000, 2000];
        var dst = new double[2000, 2000];
        for (int i = 0; i < 2000; i++)
            for (int j = 0; j < 2000; j++)
                src[i, j] = random.NextDouble();
        Interleaved(
            "4-point blur of 2000x2000 doubles",
            ("plain C#", () => PlainShapes.Blur(src, dst)),
            ("[Jit]", () => JitShapes.Blur(src, dst)));
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
