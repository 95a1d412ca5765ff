namespace Parallax.Tests.Jit;

/// <summary>
/// [Jit] methods under test. Every direct call to them is redirected to the generated kernel; a
/// method group (<c>Func&lt;...&gt; f = Kernels.Select</c>) is not, which gives the scalar reference. The seed's
/// kernels (arr_sum, dot, sum) are samples/Jit/Shared/SeedKernels.cs, which this project compiles too.
/// </summary>
public static partial class Kernels
{
    [Jit]
    public static void AddInto(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> r)
    {
        for (int i = 0; i < r.Length; i++) r[i] = x[i] + y[i];
    }

    [Jit]
    public static void AddInPlace(double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) x[i] += y[i];
    }

    [Jit]
    public static float[] ScaleShift(float[] x, float a, float b)
    {
        int n = x.Length;
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = a * x[i] + b;
        return r;
    }

    [Jit]
    public static int[] IntOps(int[] x, int[] y)
    {
        var r = new int[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * y[i] - x[i] + -y[i] + 7;
        return r;
    }

    [Jit]
    public static void LongOps(long[] x, long[] y, long[] destination)
    {
        for (int i = 0; i < x.Length; i++) destination[i] = (x[i] - y[i]) * 3;
    }

    [Jit]
    public static double[] DivNeg(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = -(x[i] / y[i]);
        return r;
    }

    [Jit]
    public static double[] Statements(double[] x, double[] y, double scale)
    {
        var r = new double[x.Length];
        double half = scale * 0.5;
        for (int i = 0; i < x.Length; i++)
        {
            var t = x[i] * 2;
            t += y[i];
            double u = t - half;
            r[i] = u;
            r[i] *= t;
            r[i] -= 1.5;
        }

        return r;
    }

    [Jit]
    public static double[] Select(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] > y[i] ? x[i] : -y[i];
        return r;
    }

    [Jit]
    public static float[] IfElse(float[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] >= 0 && y[i] != 1)
            {
                r[i] = x[i] * y[i];
            }
            else if (x[i] < -1 || y[i] <= 0)
            {
                r[i] = x[i];
            }
            else
            {
                r[i] = !(y[i] < 2) ? 2 : y[i];
            }
        }

        return r;
    }

    [Jit]
    public static void IfWithoutElse(int[] x, int[] r)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > r[i]) r[i] = x[i];
        }
    }

    [Jit]
    public static double[] MathFunctions(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double a = Math.Abs(x[i]);
            double m = Math.Min(x[i], y[i]) + Math.Max(x[i], y[i]);
            double f = Math.FusedMultiplyAdd(x[i], y[i], a);
            double rounding = Math.Floor(x[i]) + Math.Ceiling(y[i]) + Math.Round(x[i]) - Math.Truncate(y[i]);
            r[i] = Math.Sqrt(a) + m + f + rounding + Math.Clamp(y[i], -1.0, 1.0);
        }

        return r;
    }

    [Jit]
    public static float[] MathFFunctions(float[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
            r[i] = MathF.Sqrt(MathF.Abs(x[i])) + MathF.Min(x[i], y[i]) - MathF.Max(x[i], y[i]) * MathF.Round(y[i]) + Math.Clamp(x[i], -0.0f, 0.0f);
        return r;
    }

    [Jit]
    public static long[] IntMinMax(long[] x, long[] y)
    {
        var r = new long[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Max(x[i], y[i]) - Math.Clamp(Math.Min(x[i], y[i]), -1000L, 1000L);
        return r;
    }

    [Jit(FastMath = true)]
    public static double[] Transcendental(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Exp(x[i]) + Math.Log(x[i]) + Math.Sin(x[i]) * Math.Cos(x[i]);
        return r;
    }

    [Jit]
    public static float[] IntToFloat(int[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + (int)y[i];
        return r;
    }

    [Jit]
    public static long[] DoubleToLong(double[] x)
    {
        var r = new long[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = (long)x[i] + (long)(x[i] * 3);
        return r;
    }

    /// <summary>A masked store into a result allocated here: the elements it skips must be the array's zeros.</summary>
    [Jit]
    public static double[] PositivePart(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > 0) r[i] = x[i];
        }

        return r;
    }
}
