namespace Parallax.Tests.Jit;

/// <summary>Integer / and % in vector lanes, exact, with C#'s exceptions.</summary>
public static partial class ShapeKernels
{
    [Jit]
    public static void Mod(int[] x, int m, int[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] % m;
    }

    [Jit]
    public static void SafeDivide(int[] x, int[] y, int[] r)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (y[i] != 0) r[i] = x[i] / y[i];
            else r[i] = 0;
        }
    }

    [Jit]
    public static void Divide(int[] x, int[] y, int[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] / y[i];
    }

    [Jit]
    public static void UnsignedDivMod(uint[] x, uint[] y, uint[] q, uint[] rem)
    {
        for (int i = 0; i < x.Length; i++)
        {
            q[i] = x[i] / y[i];
            rem[i] = x[i] % y[i];
        }
    }

    [Jit]
    public static void ByteMod(byte[] x, byte[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = (byte)(x[i] % 7);
    }
}
