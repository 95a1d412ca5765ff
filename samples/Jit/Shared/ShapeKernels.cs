// Issue 13's kernels, written once: samples/Jit runs them and tests/Parallax.Benchmarks links this file.
namespace Parallax.Samples;

/// <summary>
/// Issue 13's kernels as plain C#, without [Jit]: the anchors the generated kernels are measured
/// against. Written as separate methods rather than reached through a method group, so that they
/// stay the scalar loop whatever the generator does with method groups of [Jit] methods.
/// </summary>
public static class PlainShapes
{
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

    public static void Blur(double[,] src, double[,] dst)
    {
        int n = src.GetLength(0), m = src.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
    }

    public static void Add(double[,] x, double[,] y, double[,] r)
    {
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++)
                r[i, j] = x[i, j] + y[i, j];
    }
}

/// <summary>The same kernels with [Jit]: every call below is redirected to the generated kernel.</summary>
public static partial class JitShapes
{
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

    [Jit]
    public static void Blur(double[,] src, double[,] dst)
    {
        int n = src.GetLength(0), m = src.GetLength(1);
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < m - 1; j++)
                dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
    }

    [Jit]
    public static void Add(double[,] x, double[,] y, double[,] r)
    {
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++)
                r[i, j] = x[i, j] + y[i, j];
    }
}
