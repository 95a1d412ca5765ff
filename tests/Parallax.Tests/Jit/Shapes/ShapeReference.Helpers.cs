namespace Parallax.Tests.Jit;

/// <summary>The scalar twins of <see cref="ShapeKernels"/>' helpers kernels: the same text without [Jit].</summary>
public static partial class ShapeReference
{
    public static void Norms(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = Hypot(x[i], y[i]) + Square(x[i] - 1);
    }

    public static void Levels(int[] x, byte[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = (byte)ClampToByte(x[i] / 4);
    }

    internal static double Square(double v) => v * v;

    internal static double Hypot(double a, double b) => Math.Sqrt(Square(a) + Square(b));

    internal static int ClampToByte(int v)
    {
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }
}
