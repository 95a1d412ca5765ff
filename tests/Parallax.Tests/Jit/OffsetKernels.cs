namespace Parallax.Tests.Jit;

/// <summary>[Jit] loops that read at <c>i + c</c> or <c>i - c</c>, or start after 0: stencils and differences.</summary>
public static partial class OffsetKernels
{
    [Jit]
    public static void Diff(double[] x, double[] r)
    {
        for (int i = 0; i < r.Length; i++) r[i] = x[i + 1] - x[i];
    }

    [Jit]
    public static float[] BackwardDiff(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 1; i < x.Length; i++) r[i] = x[i] - x[i - 1];
        return r;
    }

    [Jit]
    public static void Smooth(ReadOnlySpan<int> x, Span<int> r)
    {
        for (int i = 0; i < r.Length; i++) r[i] = x[i] + 2 * x[1 + i] + x[i + 2];
    }

    [Jit]
    public static int CountRises(long[] x)
    {
        int count = 0;
        for (int i = 2; i < x.Length; i++)
        {
            if (x[i] > x[i - 1] && x[i - 1] > x[i - 2]) count++;
        }

        return count;
    }

    [Jit(Parallel = true)]
    public static void CentralDiff(double[] x, double[] r)
    {
        for (int i = 1; i < r.Length; i++) r[i] = (x[i + 1] - x[i - 1]) * 0.5;
    }
}
