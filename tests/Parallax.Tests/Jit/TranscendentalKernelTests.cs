namespace Parallax.Tests.Jit;

/// <summary>
/// FastMath Exp, Log, Sin and Cos, each in its own kernel, double and float, against Math/MathF.
/// Documented bounds (docs/jit.md): Exp within 2 ulp, Log within 3 ulp for double (about one
/// argument in 12,000 between 0.5 and 2 is 3 ulp off) and 2 for float, Sin and Cos within 1 ulp, for every
/// finite argument (tiny, subnormal, huge: the vector Sin/Cos reduce any magnitude); a result that is
/// NaN, ±∞ or ±0 in Math is exactly that (Sin(-0.0) is -0.0, Exp(-∞) is +0, Log(0) is -∞, Log of a
/// negative is NaN). The inputs sample every binade with both signs, plus the special values.
/// </summary>
public class TranscendentalKernelTests
{
    private const int ExpLogUlps = 2;
    private const int LogDoubleUlps = 3;

    /// <summary>
    /// Every vector width's edges; no 10^6 here: Math.Sin of huge arguments is slow, and these tests
    /// also run in three child processes (InstructionSetTests).
    /// </summary>
    private static IEnumerable<int> Lengths => Enumerable.Range(0, 258).Append(20_000);
    private const int SinCosUlps = 1;

    private static readonly double[] SpecialDoubles =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, -double.Epsilon, 1e-310, -1e-310,
        1e-300, 1e-20, 1e-8, -1e-8, 1, -1, Math.PI, -Math.PI / 2, 2 * Math.PI, 100, -100,
        709.78, 709.79, 710, -708.4, -745.1, -745.2, -746, 1e5, 1e8, 1e15, 1e22, -1e22, 1e300, double.MaxValue, -double.MaxValue,
    ];

    private static readonly float[] SpecialFloats =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, float.Epsilon, -float.Epsilon, 1e-40f, 1e-30f, 1e-8f, -1e-8f,
        1, -1, MathF.PI, -MathF.PI / 2, 2 * MathF.PI, 88.72f, 88.73f, 89, -87.3f, -103.9f, -104, 1e5f, 1e8f, 1e20f, -1e20f, float.MaxValue, -float.MaxValue,
    ];

    /// <summary>Specials in one of four elements, else a random value from a random binade of either sign.</summary>
    private static double[] Doubles(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(4) == 0
            ? SpecialDoubles[random.Next(SpecialDoubles.Length)]
            : Math.ScaleB(1 + random.NextDouble(), random.Next(-1074, 1024)) * (random.Next(2) == 0 ? -1 : 1)).ToArray();
    }

    private static float[] Floats(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(4) == 0
            ? SpecialFloats[random.Next(SpecialFloats.Length)]
            : MathF.ScaleB(1 + random.NextSingle(), random.Next(-149, 128)) * (random.Next(2) == 0 ? -1 : 1)).ToArray();
    }

    /// <summary>Also [-10, 10], where the functions are most used (and Log's 3 ulp cases, near 1, lie).</summary>
    private static double[] Moderate(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.5) * 20).ToArray();
    }

    /// <summary><paramref name="kernel"/> must call the method directly (a lambda): a method group is not intercepted.</summary>
    private static void Check(Func<double[], double[]> kernel, Func<double, double> math, int ulps, string name)
    {
        foreach (int n in Lengths)
        {
            foreach (var x in new[] { Doubles(n, n), Moderate(n, n + 1) })
            {
                var actual = kernel(x);
                for (int i = 0; i < n; i++)
                {
                    var expected = math(x[i]);
                    Within(x[i], expected, actual[i], JitTestData.Ulps(expected, actual[i]), ulps, name, n);
                }
            }
        }
    }

    private static void Check(Func<float[], float[]> kernel, Func<float, float> math, int ulps, string name)
    {
        foreach (int n in Lengths)
        {
            foreach (var x in new[] { Floats(n, n), Moderate(n, n + 1).Select(v => (float)v).ToArray() })
            {
                var actual = kernel(x);
                for (int i = 0; i < n; i++)
                {
                    var expected = math(x[i]);
                    Within(x[i], expected, actual[i], JitTestData.Ulps(expected, actual[i]), ulps, name, n);
                }
            }
        }
    }

    private static void Within<T>(T x, T expected, T actual, long distance, int ulps, string name, int n)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        bool exact = T.IsNaN(expected) || T.IsInfinity(expected) || T.IsZero(expected);
        bool ok = exact ? JitTestData.Same(expected, actual) : distance <= ulps;
        Assert.True(ok, $"{name}({x:R}) at length {n}: kernel {actual:R}, Math {expected:R}, {(exact ? "must be exact" : $"{distance} ulp, bound {ulps}")}");
    }

    [Fact]
    public void Exp_double_is_within_2_ulp() => Check(x => TranscendentalKernels.Exp(x), Math.Exp, ExpLogUlps, "Exp");

    [Fact]
    public void Log_double_is_within_3_ulp() => Check(x => TranscendentalKernels.Log(x), Math.Log, LogDoubleUlps, "Log");

    [Fact]
    public void Sin_double_is_within_1_ulp_at_any_magnitude() => Check(x => TranscendentalKernels.Sin(x), Math.Sin, SinCosUlps, "Sin");

    [Fact]
    public void Cos_double_is_within_1_ulp_at_any_magnitude() => Check(x => TranscendentalKernels.Cos(x), Math.Cos, SinCosUlps, "Cos");

    [Fact]
    public void Exp_float_is_within_2_ulp() => Check(x => TranscendentalKernels.ExpF(x), MathF.Exp, ExpLogUlps, "MathF.Exp");

    [Fact]
    public void Log_float_is_within_2_ulp() => Check(x => TranscendentalKernels.LogF(x), MathF.Log, ExpLogUlps, "MathF.Log");

    [Fact]
    public void Sin_float_is_within_1_ulp_at_any_magnitude() => Check(x => TranscendentalKernels.SinF(x), MathF.Sin, SinCosUlps, "MathF.Sin");

    [Fact]
    public void Cos_float_is_within_1_ulp_at_any_magnitude() => Check(x => TranscendentalKernels.CosF(x), MathF.Cos, SinCosUlps, "MathF.Cos");

    [Fact]
    public void Calls_are_intercepted_so_the_lanes_are_the_vector_functions()
    {
        // MathF.Exp(0) is 1; the float vector Exp gives 1.0000001 (1 ulp): seeing it in lane 0 of a
        // long input shows the vector function ran. Without SIMD hardware the kernel is MathF's loop.
        var zeros = new float[64];
        Assert.Equal(System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? 1.0000001f : 1f, TranscendentalKernels.ExpF(zeros)[0]);
        Assert.Equal(1f, ((Func<float[], float[]>)TranscendentalKernels.ExpF)(zeros)[0]);
    }
}
