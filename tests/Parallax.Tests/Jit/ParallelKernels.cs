namespace Parallax.Tests.Jit;

/// <summary>[Jit(Parallel = true)] methods under test, and a [Vectorize] function.</summary>
public static partial class ParallelKernels
{
    [Jit(Parallel = true, FastMath = true)]
    public static double[] SquarePlusSin(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
        return r;
    }

    [Jit(Parallel = true)]
    public static void AddInto(double[] x, double[] y, double[] destination)
    {
        for (int i = 0; i < x.Length; i++) destination[i] = x[i] + y[i];
    }

    [Jit(Parallel = true)]
    public static long Sum(long[] x)
    {
        long sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i];
        return sum;
    }

    [Jit(Parallel = true, FastMath = true)]
    public static double Dot(double[] x, double[] y)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
        return acc;
    }

    [Jit(Parallel = true)]
    public static int Max(int[] x)
    {
        int max = int.MinValue;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, x[i]);
        return max;
    }

    [Vectorize]
    public static double Hypot(double x, double y)
    {
        double s = x * x + y * y;
        return Math.Sqrt(s);
    }

    [Vectorize]
    public static int Relu(int x) => x > 0 ? x : 0;
}
