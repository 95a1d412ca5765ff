namespace Parallax.Benchmarks.Jit;

/// <summary>The loops benchmarked, written once; calls are intercepted, method groups give the scalar loop.</summary>
public static partial class JitKernels
{
    [Jit]
    public static double[] ArrSum(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }

    [Jit]
    public static void AddInto(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
    }

    [Jit(FastMath = true)]
    public static double Dot(double[] x, double[] y)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
        return acc;
    }

    [Jit(FastMath = true)]
    public static double Sum(double[] x)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i];
        return acc;
    }

    [Jit(FastMath = true)]
    public static void SquarePlusSin(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }

    [Jit(FastMath = true, Parallel = true)]
    public static void SquarePlusSinParallel(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }

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
