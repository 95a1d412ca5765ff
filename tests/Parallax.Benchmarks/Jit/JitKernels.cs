namespace Parallax.Benchmarks.Jit;

/// <summary>
/// The loops only the benchmarks use; the seed's kernels (arr_sum, dot, sum, x*x + sin(y)) are
/// samples/Jit/Shared/SeedKernels.cs, compiled in here too. Calls are intercepted, method groups give the scalar loop.
/// </summary>
public static partial class JitKernels
{
    /// <summary>Four vector transcendentals per element: 24 bytes of memory traffic against far more arithmetic than x*x + sin(y).</summary>
    [Jit(FastMath = true)]
    public static void Wave(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = Math.Sin(x[i]) * Math.Cos(y[i]) + Math.Exp(-x[i] * x[i]) + Math.Sin(x[i] * y[i]);
    }

    [Jit(FastMath = true, Parallel = true)]
    public static void WaveParallel(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = Math.Sin(x[i]) * Math.Cos(y[i]) + Math.Exp(-x[i] * x[i]) + Math.Sin(x[i] * y[i]);
    }
}
