namespace Parallax.Tests.Jit;

/// <summary>One FastMath function per kernel, so each is held to its own ulp bound.</summary>
public static partial class TranscendentalKernels
{
    [Jit(FastMath = true)]
    public static double[] Exp(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Exp(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static double[] Log(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Log(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static double[] Sin(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Sin(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static double[] Cos(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = Math.Cos(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static float[] ExpF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Exp(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static float[] LogF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Log(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static float[] SinF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Sin(x[i]);
        return r;
    }

    [Jit(FastMath = true)]
    public static float[] CosF(float[] x)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = MathF.Cos(x[i]);
        return r;
    }
}
