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
            double expected = ((Func<double[], double[], double>)Reductions.Dot)(x, y);
            double actual = Reductions.Dot(x, y);
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
}
