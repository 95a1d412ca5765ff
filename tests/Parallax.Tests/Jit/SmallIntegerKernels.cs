namespace Parallax.Tests.Jit;

/// <summary>
/// [Jit] methods over byte, sbyte, short, ushort, uint and ulong. C# promotes the small types to int,
/// so <c>(byte)(x[i] + y[i])</c> is how users write a byte add; the kernel must wrap exactly like it.
/// </summary>
public static partial class SmallIntegerKernels
{
    [Jit]
    public static byte[] ByteAdd(byte[] x, byte[] y)
    {
        var r = new byte[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = (byte)(x[i] + y[i]);
        return r;
    }

    [Jit]
    public static void ByteBitwise(byte[] x, byte[] y, byte[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = (byte)((x[i] * y[i] - (x[i] & 0x0F)) ^ ~y[i] | 3);
    }

    [Jit]
    public static sbyte[] SByteSelect(sbyte[] x, sbyte[] y)
    {
        var r = new sbyte[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = x[i] > y[i] ? (sbyte)(x[i] - y[i]) : (sbyte)-x[i];
            if (x[i] == -128 || y[i] <= 5) r[i] = Math.Max(Math.Min(x[i], y[i]), (sbyte)-100);
        }

        return r;
    }

    [Jit]
    public static short[] ShortOps(short[] x, short[] y, short k)
    {
        var r = new short[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            short t = (short)(x[i] * k + Math.Min(x[i], y[i]));
            r[i] = x[i] < -100 ? Math.Clamp(t, (short)-1000, (short)1000) : (short)(t - y[i]);
        }

        return r;
    }

    [Jit]
    public static void UShortInPlace(ushort[] x, ushort[] y)
    {
        for (int i = 0; i < x.Length; i++) x[i] += (ushort)(y[i] * 3 + 1);
    }

    [Jit]
    public static uint[] UIntOps(uint[] x, uint[] y)
    {
        var r = new uint[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * y[i] - x[i] + ~y[i] + (x[i] > y[i] ? 1u : 2u) + (uint)-x[i];
        return r;
    }

    [Jit]
    public static ulong[] ULongOps(ulong[] x, ulong[] y)
    {
        var r = new ulong[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = ((x[i] * 3 - y[i]) ^ (x[i] & y[i]) | (Math.Max(x[i], y[i]) >= 10 ? Math.Min(x[i], y[i]) : 7)) + (ulong)-(long)y[i];
        return r;
    }

    [Jit]
    public static uint[] FloatToUInt(float[] x)
    {
        var r = new uint[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = (uint)x[i];
        return r;
    }

    [Jit]
    public static float[] UIntToFloat(uint[] x, int[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + (float)(uint)y[i];
        return r;
    }

    [Jit]
    public static ulong[] DoubleToULong(double[] x)
    {
        var r = new ulong[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = (ulong)x[i];
        return r;
    }

    [Jit]
    public static double[] ULongToDouble(ulong[] x, long[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + (double)(ulong)y[i];
        return r;
    }

    [Jit]
    public static byte ByteSum(byte[] x)
    {
        byte sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i];
        return sum;
    }

    [Jit]
    public static int ByteMaxMinusMin(ReadOnlySpan<byte> x, ReadOnlySpan<byte> y)
    {
        byte max = 0;
        byte min = byte.MaxValue;
        byte sum = 1;
        for (int i = 0; i < x.Length; i++)
        {
            max = Math.Max(max, x[i]);
            if (y[i] > 10) min = Math.Min(min, x[i]);
            sum = (byte)(sum + (x[i] ^ y[i]));
        }

        return max - min + sum * 1000;
    }

    [Jit]
    public static long SmallProducts(short[] x, ushort[] y)
    {
        short product = 1;
        ushort sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            product *= (short)(x[i] | 1);
            sum = (ushort)(sum + y[i]);
        }

        return product * 100000L + sum;
    }

    [Jit]
    public static ulong UIntCountAndULongSum(uint[] x, uint threshold)
    {
        int count = 0;
        uint sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] >= threshold) count++;
            sum += x[i] * 7;
        }

        return (ulong)count * 4294967296UL + sum;
    }
}

/// <summary>[Jit] methods whose arrays have different element widths: the kernel steps in the narrowest type's lanes.</summary>
public static partial class MixedWidthKernels
{
    [Jit]
    public static double[] FloatToDouble(float[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * y[i] + x[i];
        return r;
    }

    [Jit]
    public static float[] DoubleToFloat(double[] x, float[] y)
    {
        var r = new float[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = (float)x[i] + y[i];
        return r;
    }

    [Jit]
    public static void IntLongDouble(int[] x, long[] l, double[] d, int[] narrowed, long[] wide)
    {
        for (int i = 0; i < x.Length; i++)
        {
            wide[i] = x[i] + l[i] + (long)d[i];
            narrowed[i] = (int)l[i] * 3 + (int)(x[i] * 0.5 > d[i] ? 1L : 2L);
            d[i] = x[i] + (double)l[i];
        }
    }

    [Jit]
    public static int[] BytesToInts(byte[] b, sbyte[] s, short[] h, ushort[] u)
    {
        var r = new int[b.Length];
        for (int i = 0; i < b.Length; i++) r[i] = b[i] * s[i] + h[i] - u[i] + (b[i] > 100 ? 1 : 0);
        return r;
    }

    [Jit]
    public static void IntsToBytes(int[] x, long[] l, byte[] r, short[] h)
    {
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = (byte)(x[i] + l[i]);
            h[i] = x[i] > 0 && l[i] < 0 ? (short)x[i] : (short)l[i];
        }
    }

    [Jit]
    public static void SmallToFloats(byte[] b, short[] h, uint[] u, float[] f, double[] d)
    {
        for (int i = 0; i < b.Length; i++)
        {
            f[i] = b[i] + h[i] * 0.25f;
            d[i] = h[i] + (double)u[i] + b[i] + (double)f[i];
        }
    }

    [Jit]
    public static void FloatToLong(float[] x, long[] r, ulong[] u)
    {
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = (long)x[i];
            u[i] = (ulong)x[i];
        }
    }

    [Jit]
    public static long ByteSumToLong(byte[] x, int[] y)
    {
        long sum = 0;
        int count = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * (long)y[i];
            if (x[i] > 200) count++;
        }

        return sum + count;
    }

    [Jit]
    public static byte[] MaskAcrossEightWidths(double[] x, byte[] y)
    {
        var r = new byte[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] > 0 && y[i] < 100 || x[i] < -1e300 ? y[i] : (byte)(y[i] ^ 0x55);
        return r;
    }

    [Jit(FastMath = true)]
    public static double MinAndDotOverBytes(double[] x, byte[] b)
    {
        double min = double.PositiveInfinity;
        double dot = 0;
        for (int i = 0; i < x.Length; i++)
        {
            min = Math.Min(min, x[i] * b[i]);
            dot += x[i] * b[i];
        }

        return min + dot;
    }

    [Jit(FastMath = true)]
    public static double FloatDotInDouble(float[] x, float[] y)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += (double)x[i] * y[i];
        return acc;
    }
}

/// <summary>Shifts by a count that is the same in every iteration, at every width.</summary>
public static partial class ShiftKernels
{
    [Jit]
    public static void IntShifts(int[] x, uint[] u, long[] l, int k, int[] r, uint[] ru, long[] rl)
    {
        for (int i = 0; i < x.Length; i++)
        {
            r[i] = (x[i] << 3) ^ (x[i] >> k) ^ (x[i] >>> 7) ^ (x[i] << 33);
            ru[i] = (u[i] >> 5) | (u[i] << k);
            rl[i] = (l[i] >> 60) + (l[i] << k) - (l[i] >>> 1);
        }
    }

    [Jit]
    public static void SmallShifts(byte[] b, sbyte[] s, short[] h, byte[] rb, sbyte[] rs, short[] rh)
    {
        for (int i = 0; i < b.Length; i++)
        {
            rb[i] = (byte)((b[i] << 3) | (b[i] >> 5) | (b[i] << 9));
            rs[i] = (sbyte)((s[i] >> 2) ^ (s[i] >>> 3) ^ (s[i] >> 12));
            rh[i] = (short)((h[i] + 1) >> 1);
        }
    }
}

/// <summary>[Vectorize] and Parallel = true over small integers and several widths.</summary>
public static partial class SmallIntegerParallelKernels
{
    /// <summary>The rounded-up average of two bytes, computed in int like C# does, stored as a byte.</summary>
    [Vectorize]
    public static byte Average(byte a, byte b) => (byte)((a + b + 1) >> 1);

    /// <summary>A float scaled into a short: mixed widths in a [Vectorize] function.</summary>
    [Vectorize]
    public static float Scale(short value, float gain) => value * gain;

    [Jit(Parallel = true)]
    public static long WeightedSum(byte[] x, int[] w)
    {
        long sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * w[i];
        return sum;
    }
}
