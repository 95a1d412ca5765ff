using Parallax.Samples;

namespace Parallax.Tests.Jit;

/// <summary>
/// Reductions: integer ones and float min/max are exact (wrapping, order-free), so they must equal
/// the scalar loop; FastMath sums reassociate, so they are held to a documented error bound.
/// </summary>
public class ReductionKernelTests
{
    [Fact]
    public void Integer_sum_wraps_like_the_scalar_loop()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 40);
            Assert.Equal(((Func<int[], int>)Reductions.IntSum)(x), Reductions.IntSum(x));
        }
    }

    [Fact]
    public void Long_product_and_sum_in_one_loop()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Longs(n, 41);
            var y = JitTestData.Longs(n, 42);
            Assert.Equal(((Func<long[], long[], long>)Reductions.LongProductAndSum)(x, y), Reductions.LongProductAndSum(x, y));
        }
    }

    [Fact]
    public void Store_and_reduction_in_one_loop()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Longs(n, 48);
            var expected = new long[n];
            var actual = new long[n];
            long expectedSum = ((Func<long[], long[], long>)Reductions.StoreAndSum)(x, expected);
            Assert.Equal(expectedSum, Reductions.StoreAndSum(x, actual));
            JitTestData.BitwiseEqual<long>(expected, actual, $"StoreAndSum, length {n}");
        }
    }

    [Fact]
    public void Float_min_and_max_are_exact_without_FastMath()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 43);
            Assert.True(JitTestData.Same(((Func<double[], double>)Reductions.MaxMinusMin)(x), Reductions.MaxMinusMin(x)), $"length {n}");

            // Without NaN the extremes are real numbers, which exercises the ordering of -0.0 and +0.0.
            var clean = x.Where(v => !double.IsNaN(v)).ToArray();
            Assert.True(JitTestData.Same(((Func<double[], double>)Reductions.MaxMinusMin)(clean), Reductions.MaxMinusMin(clean)), $"length {n} without NaN");
        }
    }

    [Fact]
    public void Counts_of_matches()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 44);
            Assert.Equal(((Func<double[], double, int>)Reductions.CountAbove)(x, 0.1), Reductions.CountAbove(x, 0.1));
            var a = JitTestData.Longs(n, 45).Select(v => v & 3).ToArray();
            var b = JitTestData.Longs(n, 46).Select(v => v & 3).ToArray();
            Assert.Equal(((Func<long[], long[], long>)Reductions.CountEqual)(a, b), Reductions.CountEqual(a, b));
        }
    }

    /// <summary>
    /// Documented bound for a reassociated sum of n terms: |kernel − scalar| ≤ 2·n·ε·Σ|terms|, the
    /// textbook bound for two different summation orders (each within n·ε·Σ|terms| of the exact sum).
    /// </summary>
    [Fact]
    public void FastMath_dot_is_within_the_reassociation_bound()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            double expected = ((Func<double[], double[], double>)SeedKernels.Dot)(x, y);
            double actual = SeedKernels.Dot(x, y);
            double magnitude = x.Zip(y, (a, b) => Math.Abs(a * b)).Sum();
            Assert.True(Math.Abs(expected - actual) <= 2 * n * double.Epsilon + 2.0 * n * Math.Pow(2, -53) * magnitude, $"length {n}: {actual:R} vs {expected:R}");
        }
    }

    [Fact]
    public void FastMath_float_sum_over_a_span_is_within_the_reassociation_bound()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var random = new Random(n + 1);
            var x = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            float expected = 0;
            foreach (var v in x) expected += v;
            float actual = Reductions.SumF(x);
            double magnitude = x.Sum(v => Math.Abs((double)v));
            Assert.True(Math.Abs(expected - actual) <= 2.0 * n * Math.Pow(2, -24) * magnitude + 1e-30, $"length {n}: {actual:R} vs {expected:R}");
        }
    }

    [Fact]
    public void Sum_without_FastMath_stays_exact()
    {
        foreach (int n in new[] { 0, 1, 17, 1000 })
        {
            var x = JitTestData.Doubles(n, 47);
            double expected = 0;
            foreach (var v in x) expected += v;
            Assert.True(JitTestData.Same(expected, Reductions.ExactSum(x)));
        }
    }

    // ---- FastMath sums, dot and products with NaN and infinities ----

    /// <summary>
    /// A reassociated result against the in-order one: NaN where the loop gives NaN (it propagates
    /// through any order), the same infinity where it gives one (the sign of an infinite sum or
    /// product does not depend on order), else finite and within <paramref name="bound"/>.
    /// </summary>
    private static void Reassociated<T>(T expected, T actual, T bound, string what)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (T.IsNaN(expected) || T.IsInfinity(expected))
        {
            Assert.True(JitTestData.Same(expected, actual), $"{what}: kernel {actual}, scalar loop {expected}");
            return;
        }

        Assert.True(T.IsFinite(actual) && T.Abs(expected - actual) <= bound, $"{what}: kernel {actual:R}, scalar loop {expected:R}, bound {bound:R}");
    }

    private static readonly double[] NonFinite = [double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    /// <summary>Moderate values (no finite sum overflows in any order), and NaN or ±Inf at random places in some arrays.</summary>
    private static double[] SumData(int n, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 6))).ToArray();
        int specials = seed % 4 == 0 || n == 0 ? 0 : random.Next(1, 3);
        for (int k = 0; k < specials; k++)
        {
            x[random.Next(n)] = NonFinite[random.Next(NonFinite.Length)];
        }

        return x;
    }

    /// <summary>One NaN or infinity at each position of a length that has unrolled vectors, one-vector steps and a remainder.</summary>
    private static IEnumerable<double[]> OneSpecialAtEachPosition(int n)
    {
        foreach (double special in NonFinite)
        {
            for (int p = 0; p < n; p++)
            {
                var x = Enumerable.Range(0, n).Select(i => 1.0 + i * 0.25).ToArray();
                x[p] = special;
                yield return x;
            }
        }
    }

    private static double SumBound(double[] x) => 2.0 * x.Length * Math.Pow(2, -53) * x.Where(double.IsFinite).Sum(Math.Abs) + 2 * x.Length * double.Epsilon;

    [Fact]
    public void FastMath_sum_propagates_NaN_and_infinities_like_the_scalar_loop()
    {
        Func<double[], double> scalar = SeedKernels.Sum;
        foreach (int n in JitTestData.Lengths)
        {
            for (int seed = 0; seed < 4; seed++)
            {
                var x = SumData(n, n * 4 + seed);
                Reassociated(scalar(x), SeedKernels.Sum(x), SumBound(x), $"Sum, length {n}, seed {seed}");
            }
        }

        foreach (var x in OneSpecialAtEachPosition(77))
        {
            Reassociated(scalar(x), SeedKernels.Sum(x), SumBound(x), "Sum with one special");
        }

        // +Inf and -Inf: NaN, in any order.
        Assert.True(double.IsNaN(SeedKernels.Sum([.. Enumerable.Repeat(1.0, 40), double.PositiveInfinity, 2, double.NegativeInfinity])));
        Assert.Equal(double.NegativeInfinity, SeedKernels.Sum([.. Enumerable.Repeat(1.0, 40), double.NegativeInfinity, -1e308, -1e308]));

        // Zeros: the lanes start at -0.0, which adds nothing, so the sign is the loop's (s = 0 is +0.0).
        foreach (var zeros in new[] { Enumerable.Repeat(-0.0, 100).ToArray(), [.. Enumerable.Repeat(-0.0, 99), 0.0] })
        {
            Assert.True(JitTestData.Same(scalar(zeros), SeedKernels.Sum(zeros)));
        }
    }

    [Fact]
    public void FastMath_float_sum_propagates_NaN_and_infinities_like_the_scalar_loop()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = SumData(n, n).Select(v => (float)v).ToArray();
            float expected = 0;
            foreach (var v in x) expected += v;
            float bound = (float)(2.0 * n * Math.Pow(2, -24) * x.Where(float.IsFinite).Sum(v => Math.Abs((double)v))) + 1e-30f;
            Reassociated(expected, Reductions.SumF(x), bound, $"SumF, length {n}");
        }
    }

    [Fact]
    public void FastMath_dot_propagates_NaN_and_infinities_like_the_scalar_loop()
    {
        Func<double[], double[], double> scalar = SeedKernels.Dot;
        foreach (int n in JitTestData.Lengths)
        {
            var x = SumData(n, n);
            var y = SumData(n, n + 1001);
            double magnitude = x.Zip(y, (a, b) => Math.Abs(a * b)).Where(double.IsFinite).Sum();
            Reassociated(scalar(x, y), SeedKernels.Dot(x, y), 2.0 * n * Math.Pow(2, -53) * magnitude + 2 * n * double.Epsilon, $"Dot, length {n}");
        }

        // ∞ · 0 is NaN in the fused multiply-add as in the loop's product; ∞ · 2 stays ∞.
        var ones = Enumerable.Repeat(1.0, 50).ToArray();
        var withInfinity = (double[])ones.Clone();
        withInfinity[17] = double.PositiveInfinity;
        Assert.Equal(double.PositiveInfinity, SeedKernels.Dot(withInfinity, ones));
        var withZero = (double[])ones.Clone();
        withZero[17] = 0;
        Assert.True(double.IsNaN(SeedKernels.Dot(withInfinity, withZero)));
    }

    /// <summary>Factors near 1, so that no order of the product overflows or underflows; specials in some arrays.</summary>
    private static double[] ProductData(int n, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => 1 + (random.NextDouble() - 0.5) * 0.01).ToArray();
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, -1];
        int count = seed % 3 == 0 || n == 0 ? 0 : random.Next(1, 4);
        for (int k = 0; k < count; k++)
        {
            x[random.Next(n)] = specials[random.Next(specials.Length)];
        }

        return x;
    }

    [Fact]
    public void FastMath_double_product_is_within_the_reassociation_bound()
    {
        // Each order's product is within (1 + ε)^(n - 1) of the exact one: relative 2·n·ε between the two.
        Func<double[], double> scalar = Reductions.Product;
        foreach (int n in JitTestData.Lengths)
        {
            for (int seed = 0; seed < 3; seed++)
            {
                var x = ProductData(n, n * 3 + seed);
                double expected = scalar(x);
                var actual = Reductions.Product(x);
                if (expected == 0)
                {
                    // A zero factor: ±0 by the signs alone, in any order.
                    Assert.True(JitTestData.Same(expected, actual), $"Product, length {n}: kernel {actual}, scalar {expected}");
                    continue;
                }

                Reassociated(expected, actual, 2.0 * n * Math.Pow(2, -53) * Math.Abs(expected), $"Product, length {n}, seed {seed}");
            }
        }
    }

    [Fact]
    public void FastMath_float_product_is_within_the_reassociation_bound()
    {
        Func<float[], float> scalar = Reductions.ProductF;
        foreach (int n in JitTestData.Lengths)
        {
            for (int seed = 0; seed < 3; seed++)
            {
                var x = ProductData(n, n * 3 + seed).Select(v => (float)v).ToArray();
                float expected = scalar(x);
                var actual = Reductions.ProductF(x);
                if (expected == 0)
                {
                    Assert.True(JitTestData.Same(expected, actual), $"ProductF, length {n}: kernel {actual}, scalar {expected}");
                    continue;
                }

                Reassociated(expected, actual, (float)(2.0 * n * Math.Pow(2, -24) * Math.Abs(expected)), $"ProductF, length {n}, seed {seed}");
            }
        }
    }

    // ---- Min and Max: exact, NaN and signed zeros as Math.Min/Max ----

    /// <summary>Inputs that probe Math.Min/Max's rules: NaN anywhere wins, -0.0 is below +0.0.</summary>
    private static IEnumerable<double[]> MinMaxCases()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 50 + n);
            yield return x;
            yield return x.Where(v => !double.IsNaN(v)).ToArray();
            var random = new Random(n);
            // Only zeros of random signs: the min is -0.0 if any is negative, the max +0.0 if any is positive.
            yield return Enumerable.Range(0, n).Select(_ => random.Next(2) == 0 ? -0.0 : 0.0).ToArray();
            yield return Enumerable.Range(0, n).Select(i => i == n / 2 ? 0.0 : -0.0).ToArray();
            yield return Enumerable.Range(0, n).Select(i => i == n - 1 ? -0.0 : 0.0).ToArray();
        }

        for (int p = 0; p < 77; p++)
        {
            var x = Enumerable.Range(0, 77).Select(i => (double)(i % 13) - 6).ToArray();
            x[p] = double.NaN;
            yield return x;
        }
    }

    [Fact]
    public void Min_and_max_match_Math_Min_and_Max_on_NaN_and_signed_zeros()
    {
        Func<double[], double> min = Reductions.Min, max = Reductions.Max;
        foreach (var x in MinMaxCases())
        {
            Assert.True(JitTestData.Same(min(x), Reductions.Min(x)), $"Min of {x.Length}: kernel {Reductions.Min(x)}, scalar {min(x)}");
            Assert.True(JitTestData.Same(max(x), Reductions.Max(x)), $"Max of {x.Length}: kernel {Reductions.Max(x)}, scalar {max(x)}");
        }

        // The rules themselves, not just agreement: an empty loop leaves the initial value.
        Assert.True(JitTestData.Same(-0.0, Reductions.Min([0.0, -0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])));
        Assert.True(JitTestData.Same(0.0, Reductions.Max([-0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, -0.0, 0.0, -0.0])));
        Assert.True(double.IsNaN(Reductions.Max([.. Enumerable.Repeat(double.PositiveInfinity, 40), double.NaN])));
        Assert.Equal(double.PositiveInfinity, Reductions.Min([]));
    }

    [Fact]
    public void MathF_min_and_max_match_on_NaN_and_signed_zeros()
    {
        Func<float[], float> min = Reductions.MinF, max = Reductions.MaxF;
        foreach (var x in MinMaxCases().Select(d => d.Select(v => (float)v).ToArray()))
        {
            Assert.True(JitTestData.Same(min(x), Reductions.MinF(x)), $"MinF of {x.Length}: kernel {Reductions.MinF(x)}, scalar {min(x)}");
            Assert.True(JitTestData.Same(max(x), Reductions.MaxF(x)), $"MaxF of {x.Length}: kernel {Reductions.MaxF(x)}, scalar {max(x)}");
        }
    }
}
