namespace Parallax.Tests.Jit;

/// <summary>One Math/MathF function per kernel, double and float, so a wrong vector form shows by name.</summary>
public static partial class MathKernels
{
    [Jit]
    public static double[] Abs(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Abs(x[i]);
        return r;
    }

    [Jit]
    public static double[] Min(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Min(x[i], y[i]);
        return r;
    }

    [Jit]
    public static double[] Max(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Max(x[i], y[i]);
        return r;
    }

    [Jit]
    public static double[] Sqrt(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Sqrt(x[i]);
        return r;
    }

    [Jit]
    public static double[] Fma(double[] x, double[] y, double[] z)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.FusedMultiplyAdd(x[i], y[i], z[i]);
        return r;
    }

    [Jit]
    public static double[] Floor(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Floor(x[i]);
        return r;
    }

    [Jit]
    public static double[] Ceiling(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Ceiling(x[i]);
        return r;
    }

    [Jit]
    public static double[] Round(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Round(x[i]);
        return r;
    }

    [Jit]
    public static double[] Truncate(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Truncate(x[i]);
        return r;
    }

    [Jit]
    public static double[] Clamp(double[] x, double lo, double hi)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Clamp(x[i], lo, hi);
        return r;
    }

    [Jit]
    public static double[] ClampConstant(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Clamp(x[i], -1.5, 2.0);
        return r;
    }

    [Jit]
    public static float[] AbsF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Abs(x[i]);
        return r;
    }

    [Jit]
    public static float[] MinF(float[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Min(x[i], y[i]);
        return r;
    }

    [Jit]
    public static float[] MaxF(float[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Max(x[i], y[i]);
        return r;
    }

    [Jit]
    public static float[] SqrtF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Sqrt(x[i]);
        return r;
    }

    [Jit]
    public static float[] FmaF(float[] x, float[] y, float[] z)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.FusedMultiplyAdd(x[i], y[i], z[i]);
        return r;
    }

    [Jit]
    public static float[] FloorF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Floor(x[i]);
        return r;
    }

    [Jit]
    public static float[] CeilingF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Ceiling(x[i]);
        return r;
    }

    [Jit]
    public static float[] RoundF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Round(x[i]);
        return r;
    }

    [Jit]
    public static float[] TruncateF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Truncate(x[i]);
        return r;
    }

    [Jit]
    public static float[] ClampF(float[] x, float lo, float hi)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Clamp(x[i], lo, hi);
        return r;
    }

    [Jit]
    public static float[] ClampConstantF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Clamp(x[i], -1.5f, 2.0f);
        return r;
    }
}
