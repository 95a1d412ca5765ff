using System.Numerics;
using System.Runtime.CompilerServices;

namespace Parallax.Tests.Jit;

/// <summary>Inputs for kernel tests: random values with the special ones mixed in, and exact comparison.</summary>
internal static class JitTestData
{
    /// <summary>Every length from 0 to 257 (each vector width's edges, unrolled and not) and 10^6.</summary>
    public static IEnumerable<int> Lengths => Enumerable.Range(0, 258).Append(1_000_000);

    private static readonly double[] SpecialDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, double.MaxValue, -double.MaxValue, 1e-310];
    private static readonly long[] SpecialLongs = [long.MaxValue, long.MinValue, -1, 0, 1, int.MaxValue, int.MinValue];

    public static double[] Doubles(int n, int seed)
    {
        var random = new Random(seed);
        var a = new double[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = random.Next(8) == 0 ? SpecialDoubles[random.Next(SpecialDoubles.Length)] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6));
        }

        return a;
    }

    public static float[] Floats(int n, int seed) => Doubles(n, seed).Select(d => (float)d).ToArray();

    public static long[] Longs(int n, int seed)
    {
        var random = new Random(seed);
        var a = new long[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = random.Next(8) == 0 ? SpecialLongs[random.Next(SpecialLongs.Length)] : random.NextInt64(long.MinValue, long.MaxValue);
        }

        return a;
    }

    public static int[] Ints(int n, int seed) => Longs(n, seed).Select(l => unchecked((int)l)).ToArray();

    /// <summary>Random integers of any width, one in eight of them MinValue, MaxValue, 0, 1 or all bits set.</summary>
    public static T[] Integers<T>(int n, int seed)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var random = new Random(seed);
        var a = new T[n];
        random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
        T[] special = [T.MinValue, T.MaxValue, T.Zero, T.One, T.AllBitsSet];
        for (int i = 0; i < n; i++)
        {
            if (random.Next(8) == 0)
            {
                a[i] = special[random.Next(special.Length)];
            }
        }

        return a;
    }

    /// <summary>A kernel against its scalar reference on every length of <see cref="Lengths"/>, bit for bit.</summary>
    public static void Compare<T, TResult>(Func<int, T> inputs, Func<T, TResult[]> kernel, Func<T, TResult[]> reference, string name)
        where TResult : unmanaged, INumberBase<TResult>
    {
        foreach (int n in Lengths)
        {
            var input = inputs(n);
            BitwiseEqual<TResult>(reference(input), kernel(input), $"{name}, length {n}");
        }
    }

    /// <summary>Bit-for-bit equality, except that any NaN equals any NaN (payloads are not specified by IEEE or .NET).</summary>
    public static void BitwiseEqual<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what)
        where T : unmanaged, INumberBase<T>
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!Same(expected[i], actual[i]))
            {
                Assert.Fail($"{what}: element {i} of {expected.Length} is {Show(actual[i])}, expected {Show(expected[i])}");
            }
        }
    }

    public static bool Same<T>(T expected, T actual)
        where T : unmanaged, INumberBase<T>
    {
        if (T.IsNaN(expected) && T.IsNaN(actual))
        {
            return true;
        }

        return System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in expected))
            .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in actual)));
    }

    private static string Show<T>(T value) where T : unmanaged =>
        value is double d ? $"{d:R} (0x{BitConverter.DoubleToInt64Bits(d):X16})" : value is float f ? $"{f:R} (0x{BitConverter.SingleToInt32Bits(f):X8})" : value.ToString()!;

    /// <summary>Distance in units in the last place between two finite doubles (0 when both NaN or equal).</summary>
    public static long Ulps(double a, double b)
    {
        if (double.IsNaN(a) && double.IsNaN(b) || a == b)
        {
            return 0;
        }

        if (double.IsNaN(a) || double.IsNaN(b) || double.IsInfinity(a) || double.IsInfinity(b))
        {
            return long.MaxValue;
        }

        long x = BitConverter.DoubleToInt64Bits(a), y = BitConverter.DoubleToInt64Bits(b);
        if (x < 0) x = long.MinValue - x;
        if (y < 0) y = long.MinValue - y;
        return Math.Abs(x - y);
    }

    /// <summary>Distance in units in the last place between two finite floats (0 when both NaN or equal).</summary>
    public static long Ulps(float a, float b)
    {
        if (float.IsNaN(a) && float.IsNaN(b) || a == b)
        {
            return 0;
        }

        if (float.IsNaN(a) || float.IsNaN(b) || float.IsInfinity(a) || float.IsInfinity(b))
        {
            return long.MaxValue;
        }

        long x = BitConverter.SingleToInt32Bits(a), y = BitConverter.SingleToInt32Bits(b);
        if (x < 0) x = int.MinValue - x;
        if (y < 0) y = int.MinValue - y;
        return Math.Abs(x - y);
    }
}
