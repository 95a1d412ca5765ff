namespace Parallax.Tests.Jit;

/// <summary>[Jit] kernels whose arguments may share memory (issue 15, defect 10).</summary>
public static partial class AliasingKernels
{
    /// <summary>Two outputs; b reads x after a is written, so a must not be x.</summary>
    [Jit]
    public static void TwoOut(ReadOnlySpan<double> x, Span<double> a, Span<double> b)
    {
        for (int i = 0; i < x.Length; i++)
        {
            a[i] = x[i] * 2;
            b[i] = x[i] + 1;
        }
    }

    /// <summary>The same on arrays, which alias only as a whole.</summary>
    [Jit]
    public static void TwoOutArrays(double[] x, double[] a, double[] b)
    {
        for (int i = 0; i < x.Length; i++)
        {
            a[i] = x[i] * 2;
            b[i] = x[i] + 1;
        }
    }

    [Jit]
    public static void FloatToDouble(ReadOnlySpan<float> x, Span<double> r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * 2.0;
    }

    [Jit]
    public static void IntToLong(ReadOnlySpan<int> x, Span<long> r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + 1L;
    }

    /// <summary>Written in one order, first touched in the other: where a and b are one buffer, b's value must win.</summary>
    [Jit]
    public static void LastWriteWins(ReadOnlySpan<int> x, Span<int> a, Span<int> b)
    {
        for (int i = 0; i < x.Length; i++)
        {
            int old = b[i];
            a[i] = x[i] + old;
            b[i] = x[i] * 3;
        }
    }
}
