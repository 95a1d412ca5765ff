namespace Parallax.Tests.Jit;

/// <summary>The scalar twins of <see cref="ShapeKernels"/>' division kernels: the same text without [Jit].</summary>
public static partial class ShapeReference
{
    public static void Mod(int[] x, int m, int[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] % m;
    }

    public static void SafeDivide(int[] x, int[] y, int[] r)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (y[i] != 0) r[i] = x[i] / y[i];
            else r[i] = 0;
        }
    }

    public static void Divide(int[] x, int[] y, int[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] / y[i];
    }

    public static void UnsignedDivMod(uint[] x, uint[] y, uint[] q, uint[] rem)
    {
        for (int i = 0; i < x.Length; i++)
        {
            q[i] = x[i] / y[i];
            rem[i] = x[i] % y[i];
        }
    }

    public static void ByteMod(byte[] x, byte[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = (byte)(x[i] % 7);
    }
}
