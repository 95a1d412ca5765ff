namespace Parallax.Tests.Jit;

/// <summary>
/// Each Math/MathF function alone in a kernel, double and float, bit for bit against the function
/// itself (any NaN equal to any NaN): NaN, ±Inf, -0.0, subnormals, exact .5 ties (Round is to
/// even), values around 2^52 (2^23 for float) where every double (float) is an integer or a half,
/// and Clamp's bounds, including the min &gt; max that Math.Clamp throws on.
/// </summary>
public class MathKernelTests
{
    private static readonly double[] SpecialDoubles =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, -double.Epsilon, 1e-310, -1e-310,
        double.MaxValue, -double.MaxValue, 1e300, 0.1, 1, -1,
        0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, -3.5, 0.49999999999999994, -0.49999999999999994, 0.5000000000000001,
        4503599627370495.5, -4503599627370495.5, 4503599627370496, 4503599627370497, -4503599627370497, 9007199254740992,
        2251799813685247.5, 2251799813685248.5, -2251799813685248.5,
    ];

    private static readonly float[] SpecialFloats =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f,
        float.MaxValue, -float.MaxValue, 1e30f, 0.1f, 1, -1,
        0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 3.5f, -3.5f, 0.49999997f, -0.49999997f, 0.50000006f,
        8388607.5f, -8388607.5f, 8388608f, 8388609f, -8388609f, 16777216f, 4194303.5f, 4194304.5f, -4194304.5f,
    ];

    /// <summary>Every width's edges and one length past the non-temporal threshold (256 KB of doubles).</summary>
    private static IEnumerable<int> Lengths => Enumerable.Range(0, 258).Append(100_003);

    /// <summary>Half specials, a quarter random halves k + 0.5, a quarter random magnitudes up to 10^17.</summary>
    private static double[] Doubles(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(4) switch
        {
            0 or 1 => SpecialDoubles[random.Next(SpecialDoubles.Length)],
            2 => random.Next(-1000, 1000) + 0.5,
            _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 18)),
        }).ToArray();
    }

    private static float[] Floats(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(4) switch
        {
            0 or 1 => SpecialFloats[random.Next(SpecialFloats.Length)],
            2 => random.Next(-1000, 1000) + 0.5f,
            _ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 9))),
        }).ToArray();
    }

    private static void Unary<T>(Func<int, int, T[]> data, Func<T[], T[]> kernel, Func<T, T> function, string name)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        foreach (int n in Lengths)
        {
            var x = data(n, n);
            JitTestData.BitwiseEqual<T>(x.Select(function).ToArray(), kernel(x), $"{name}, length {n}");
        }
    }

    /// <summary>Random pairs, and every ordered pair of NaN, ±0, ±Inf, ±1 laid out along vectors and the remainder.</summary>
    private static void Binary<T>(Func<int, int, T[]> data, T[] specials, Func<T[], T[], T[]> kernel, Func<T, T, T> function, string name)
        where T : unmanaged, System.Numerics.INumberBase<T>
    {
        foreach (int n in Lengths)
        {
            var x = data(n, n);
            var y = data(n, n + 7);
            JitTestData.BitwiseEqual<T>(x.Zip(y, function).ToArray(), kernel(x, y), $"{name}, length {n}");
        }

        var pairs = specials.SelectMany(a => specials.Select(b => (a, b))).ToArray();
        for (int repeat = 1; repeat <= 3; repeat++)
        {
            var a = Enumerable.Repeat(pairs, repeat).SelectMany(p => p).Select(p => p.a).ToArray();
            var b = Enumerable.Repeat(pairs, repeat).SelectMany(p => p).Select(p => p.b).ToArray();
            JitTestData.BitwiseEqual<T>(a.Zip(b, function).ToArray(), kernel(a, b), $"{name} of special pairs, {a.Length} elements");
        }
    }

    private static readonly double[] PairDoubles = [double.NaN, -0.0, 0.0, double.NegativeInfinity, double.PositiveInfinity, 1, -1];
    private static readonly float[] PairFloats = [float.NaN, -0f, 0f, float.NegativeInfinity, float.PositiveInfinity, 1, -1];

    [Fact]
    public void Abs() => Unary(Doubles, x => MathKernels.Abs(x), Math.Abs, "Math.Abs");

    [Fact]
    public void Abs_float() => Unary(Floats, x => MathKernels.AbsF(x), MathF.Abs, "MathF.Abs");

    [Fact]
    public void Sqrt() => Unary(Doubles, x => MathKernels.Sqrt(x), Math.Sqrt, "Math.Sqrt");

    [Fact]
    public void Sqrt_float() => Unary(Floats, x => MathKernels.SqrtF(x), MathF.Sqrt, "MathF.Sqrt");

    [Fact]
    public void Floor() => Unary(Doubles, x => MathKernels.Floor(x), Math.Floor, "Math.Floor");

    [Fact]
    public void Floor_float() => Unary(Floats, x => MathKernels.FloorF(x), MathF.Floor, "MathF.Floor");

    [Fact]
    public void Ceiling() => Unary(Doubles, x => MathKernels.Ceiling(x), Math.Ceiling, "Math.Ceiling");

    [Fact]
    public void Ceiling_float() => Unary(Floats, x => MathKernels.CeilingF(x), MathF.Ceiling, "MathF.Ceiling");

    [Fact]
    public void Truncate() => Unary(Doubles, x => MathKernels.Truncate(x), Math.Truncate, "Math.Truncate");

    [Fact]
    public void Truncate_float() => Unary(Floats, x => MathKernels.TruncateF(x), MathF.Truncate, "MathF.Truncate");

    [Fact]
    public void Round_is_to_even_on_ties()
    {
        Unary(Doubles, x => MathKernels.Round(x), Math.Round, "Math.Round");

        // The rule itself, in vector lanes (16 elements): ties to even, -0.5 to -0.0, and 2^52 - 0.5 (an
        // exact half, the largest below 2^52) to the even 2^52; at 2^52 every double is an integer.
        double[] x = [0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 4503599627370495.5, -4503599627370495.5, 4503599627370497, 2251799813685248.5, 3.5, -3.5, 0, 0, 0, 0];
        double[] expected = [0, 2, 2, -0.0, -2, 0, 4503599627370496, -4503599627370496, 4503599627370497, 2251799813685248, 4, -4, 0, 0, 0, 0];
        JitTestData.BitwiseEqual<double>(expected, MathKernels.Round(x), "Round of ties");
    }

    [Fact]
    public void Round_float_is_to_even_on_ties()
    {
        Unary(Floats, x => MathKernels.RoundF(x), MathF.Round, "MathF.Round");
        float[] x = [0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 0.49999997f, 8388607.5f, -8388607.5f, 8388609f, 4194304.5f, 3.5f, -3.5f, 0, 0, 0, 0, 0, 0, 0, 0];
        float[] expected = [0, 2, 2, -0f, -2, 0, 8388608f, -8388608f, 8388609f, 4194304f, 4, -4, 0, 0, 0, 0, 0, 0, 0, 0];
        JitTestData.BitwiseEqual<float>(expected, MathKernels.RoundF(x), "MathF.Round of ties");
    }

    [Fact]
    public void Min() => Binary(Doubles, PairDoubles, (x, y) => MathKernels.Min(x, y), Math.Min, "Math.Min");

    [Fact]
    public void Min_float() => Binary(Floats, PairFloats, (x, y) => MathKernels.MinF(x, y), MathF.Min, "MathF.Min");

    [Fact]
    public void Max() => Binary(Doubles, PairDoubles, (x, y) => MathKernels.Max(x, y), Math.Max, "Math.Max");

    [Fact]
    public void Max_float() => Binary(Floats, PairFloats, (x, y) => MathKernels.MaxF(x, y), MathF.Max, "MathF.Max");

    [Fact]
    public void FusedMultiplyAdd_rounds_once()
    {
        foreach (int n in Lengths)
        {
            var (x, y, z) = (Doubles(n, n), Doubles(n, n + 1), Doubles(n, n + 2));
            var expected = Enumerable.Range(0, n).Select(i => Math.FusedMultiplyAdd(x[i], y[i], z[i])).ToArray();
            JitTestData.BitwiseEqual<double>(expected, MathKernels.Fma(x, y, z), $"Math.FusedMultiplyAdd, length {n}");
        }

        // 0.1 · 10 - 1 is 5.55e-17 fused, 0 as a multiply then an add: the kernel must not split it.
        var tenths = Enumerable.Repeat(0.1, 20).ToArray();
        Assert.All(MathKernels.Fma(tenths, Enumerable.Repeat(10.0, 20).ToArray(), Enumerable.Repeat(-1.0, 20).ToArray()), r => Assert.Equal(Math.FusedMultiplyAdd(0.1, 10, -1), r));
        Assert.NotEqual(0.0, Math.FusedMultiplyAdd(0.1, 10, -1));
    }

    [Fact]
    public void FusedMultiplyAdd_float_rounds_once()
    {
        foreach (int n in Lengths)
        {
            var (x, y, z) = (Floats(n, n), Floats(n, n + 1), Floats(n, n + 2));
            var expected = Enumerable.Range(0, n).Select(i => MathF.FusedMultiplyAdd(x[i], y[i], z[i])).ToArray();
            JitTestData.BitwiseEqual<float>(expected, MathKernels.FmaF(x, y, z), $"MathF.FusedMultiplyAdd, length {n}");
        }
    }

    private static readonly (double Lo, double Hi)[] Bounds =
    [
        (-1.5, 2.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0), (2, 2), (double.NegativeInfinity, double.PositiveInfinity),
        (double.NaN, 1), (1, double.NaN), (double.NaN, double.NaN), (double.NegativeInfinity, double.NegativeInfinity),
    ];

    [Fact]
    public void Clamp_with_bounds_of_every_kind()
    {
        foreach (var (lo, hi) in Bounds)
        {
            Unary(Doubles, x => MathKernels.Clamp(x, lo, hi), v => Math.Clamp(v, lo, hi), $"Math.Clamp(x, {lo}, {hi})");
        }

        Unary(Doubles, x => MathKernels.ClampConstant(x), v => Math.Clamp(v, -1.5, 2.0), "Math.Clamp(x, -1.5, 2.0)");
    }

    [Fact]
    public void Clamp_float_with_bounds_of_every_kind()
    {
        foreach (var (lo, hi) in Bounds)
        {
            Unary(Floats, x => MathKernels.ClampF(x, (float)lo, (float)hi), v => Math.Clamp(v, (float)lo, (float)hi), $"Math.Clamp(x, {lo}f, {hi}f)");
        }

        Unary(Floats, x => MathKernels.ClampConstantF(x), v => Math.Clamp(v, -1.5f, 2.0f), "Math.Clamp(x, -1.5f, 2.0f)");
    }

    [Fact]
    public void Clamp_with_min_above_max_throws_Math_Clamps_exception_when_the_loop_runs()
    {
        Func<double[], double, double, double[]> scalar = MathKernels.Clamp;
        Func<float[], float, float, float[]> scalarF = MathKernels.ClampF;
        foreach (int n in new[] { 1, 2, 100 })
        {
            var expected = Assert.Throws<ArgumentException>(() => scalar(new double[n], 2, 1));
            var actual = Assert.Throws<ArgumentException>(() => MathKernels.Clamp(new double[n], 2, 1));
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(expected.GetType(), actual.GetType());

            var expectedF = Assert.Throws<ArgumentException>(() => scalarF(new float[n], 0f, -0.5f));
            var actualF = Assert.Throws<ArgumentException>(() => MathKernels.ClampF(new float[n], 0f, -0.5f));
            Assert.Equal(expectedF.Message, actualF.Message);
        }

        // An empty loop never calls Math.Clamp, so neither throws.
        Assert.Empty(scalar([], 2, 1));
        Assert.Empty(MathKernels.Clamp([], 2, 1));
        Assert.Empty(MathKernels.ClampF([], 1, 0));
    }
}
