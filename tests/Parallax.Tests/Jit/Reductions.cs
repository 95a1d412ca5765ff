namespace Parallax.Tests.Jit;

/// <summary>[Jit] reductions under test; see <see cref="Kernels"/> for how the reference is obtained.</summary>
public static partial class Reductions
{
    [Jit]
    public static int IntSum(int[] x)
    {
        int sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i];
        return sum;
    }

    [Jit]
    public static long LongProductAndSum(long[] x, long[] y)
    {
        long product = 1;
        long sum = 3;
        for (int i = 0; i < x.Length; i++)
        {
            product *= x[i] - 1;
            sum = sum + x[i] * y[i];
        }

        return product - sum;
    }

    [Jit]
    public static double MaxMinusMin(double[] x)
    {
        double max = double.NegativeInfinity;
        double min = double.PositiveInfinity;
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, x[i]);
            min = Math.Min(x[i], min);
        }

        return max - min;
    }

    [Jit]
    public static int CountAbove(double[] x, double threshold)
    {
        int count = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > threshold) count++;
        }

        return count;
    }

    [Jit]
    public static long CountEqual(long[] x, long[] y)
    {
        long count = 0;
        for (int i = 0; i < x.Length; i++) count += x[i] == y[i] ? 1 : 0;
        return count;
    }

    [Jit(FastMath = true)]
    public static float SumF(ReadOnlySpan<float> x)
    {
        float s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i];
        return s;
    }

    [Jit(FastMath = true)]
    public static double Product(double[] x)
    {
        double p = 1;
        for (int i = 0; i < x.Length; i++) p *= x[i];
        return p;
    }

    [Jit(FastMath = true)]
    public static float ProductF(float[] x)
    {
        float p = 1;
        for (int i = 0; i < x.Length; i++) p *= x[i];
        return p;
    }

    [Jit]
    public static double Min(double[] x)
    {
        double min = double.PositiveInfinity;
        for (int i = 0; i < x.Length; i++) min = Math.Min(min, x[i]);
        return min;
    }

    [Jit]
    public static double Max(double[] x)
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < x.Length; i++) max = Math.Max(x[i], max);
        return max;
    }

    [Jit]
    public static float MinF(float[] x)
    {
        float min = float.PositiveInfinity;
        for (int i = 0; i < x.Length; i++) min = MathF.Min(min, x[i]);
        return min;
    }

    [Jit]
    public static float MaxF(float[] x)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < x.Length; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    /// <summary>An element-wise store and a reduction in one loop: no overlapping last vector, a scalar remainder.</summary>
    [Jit]
    public static long StoreAndSum(long[] x, long[] doubled)
    {
        long sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            doubled[i] = x[i] * 2;
            sum += doubled[i];
        }

        return sum;
    }

    /// <summary>
    /// Without FastMath this stays the exact scalar loop (PAR1100). The one method here meant to stay
    /// scalar: this project makes PAR1100 an error everywhere else (.editorconfig).
    /// </summary>
#pragma warning disable PAR1100
    [Jit]
    public static double ExactSum(double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i];
        return s;
    }
#pragma warning restore PAR1100
}
