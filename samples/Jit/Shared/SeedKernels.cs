namespace Parallax.Samples;

/// <summary>
/// The [Jit] kernels that samples/Jit and the Notebook show, tests/Parallax.Benchmarks times and
/// tests/Parallax.Tests checks, written once: each of those projects compiles this file (a linked
/// Compile item), so every one of them gets its own generated kernels and redirected calls.
/// </summary>
public static partial class SeedKernels
{
    /// <summary>The arrays the samples add: <paramref name="n"/> values in [-0.5, 0.5) each, the same in every run.</summary>
    public static (double[] X, double[] Y) ArrSumInputs(int n)
    {
        var random = new Random(1);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = random.NextDouble() - 0.5;
            y[i] = random.NextDouble() - 0.5;
        }

        return (x, y);
    }

    /// <summary>The seed notebook's arr_sum, as a plain loop: the reference [Jit] is measured against.</summary>
    public static double[] ArrSumLoop(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }

    /// <summary>The same loop with [Jit]: Numba's @jit, compiled to a SIMD kernel at build time.</summary>
    [Jit]
    public static double[] ArrSum(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }

    /// <summary>arr_sum into a destination the caller keeps: no allocation, no fresh pages.</summary>
    [Jit]
    public static void AddInto(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
    }

    /// <summary>A reduction; FastMath lets it add in vector lanes (a different rounding order).</summary>
    [Jit(FastMath = true)]
    public static double Dot(double[] x, double[] y)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
        return acc;
    }

    /// <summary>A FastMath sum.</summary>
    [Jit(FastMath = true)]
    public static double Sum(double[] x)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i];
        return acc;
    }

    /// <summary>x*x + sin(y) on one core.</summary>
    [Jit(FastMath = true)]
    public static void SquarePlusSin(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }

    /// <summary>Numba's prange: the same loop, the range split over the cores.</summary>
    [Jit(FastMath = true, Parallel = true)]
    public static void SquarePlusSinParallel(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }
}
