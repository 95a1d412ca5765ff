using Parallax.Samples;

namespace Parallax.Tests.Jit;

/// <summary>
/// while and do loops, break and continue inside the vectorized loop: per-lane masks until every lane
/// is done. Lanes finish at very different trips here (escape counts, Collatz lengths, factors), and
/// each kernel must give its scalar twin's bits.
/// </summary>
public class LoopTests
{
    /// <summary>Every length to 257 (each vector width's edges) and one long run; the loops are too slow for a million.</summary>
    private static IEnumerable<int> Lengths => Enumerable.Range(0, 258).Append(10_007);

    [Fact]
    public void Mandelbrot_counts_match_on_every_shape_and_region()
    {
        var regions = new (double X0, double Y0, double Dx, double Dy)[]
        {
            (-2.0, -1.2, 3.0 / 71, 2.4 / 29),      // the whole set: lanes escape at every count
            (-0.75, 0.1, 1e-4, 1e-4),               // the boundary, where neighbours differ most
            (-0.2, -0.2, 0.01, 0.01),               // inside: every lane runs to the limit
            (3.0, 3.0, 0.5, 0.5),                   // outside: every lane leaves at once
        };
        foreach (var (n, m) in ShapeData.Shapes2D.Where(s => (long)s.Rows * s.Columns < 200_000))
        {
            foreach (var (x0, y0, dx, dy) in regions)
            {
                foreach (int maxIter in new[] { 0, 1, 37 })
                {
                    var expected = new int[n, m];
                    var actual = new int[n, m];
                    var parallel = new int[n, m];
                    PlainShapes.Mandelbrot(x0, y0, dx, dy, maxIter, expected);
                    JitShapes.Mandelbrot(x0, y0, dx, dy, maxIter, actual);
                    JitShapes.MandelbrotParallel(x0, y0, dx, dy, maxIter, parallel);
                    ShapeData.Equal(expected, actual, $"Mandelbrot {n}x{m} at ({x0}, {y0}), {maxIter} iterations");
                    ShapeData.Equal(expected, parallel, $"MandelbrotParallel {n}x{m} at ({x0}, {y0}), {maxIter} iterations");
                }
            }
        }

        // The benchmark's own size, with NaN and infinite steps too.
        foreach (var (dx, dy) in new[] { (3.0 / 600, 2.4 / 400), (double.NaN, 0.01), (double.PositiveInfinity, 0.0) })
        {
            var expected = new int[400, 600];
            var actual = new int[400, 600];
            PlainShapes.Mandelbrot(-2.0, -1.2, dx, dy, 500, expected);
            JitShapes.MandelbrotParallel(-2.0, -1.2, dx, dy, 500, actual);
            ShapeData.Equal(expected, actual, $"Mandelbrot 600x400, steps {dx}, {dy}");
        }
    }

    [Fact]
    public void Values_that_survive_the_loop_keep_the_trip_each_lane_left_on()
    {
        foreach (int n in Lengths)
        {
            var random = new Random(n);
            var cr = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 3 - 2).ToArray();
            var ci = JitTestData.Doubles(n, 100 + n).Select(v => double.IsFinite(v) ? Math.Clamp(v, -1.5, 1.5) : v).ToArray();
            foreach (int maxIter in new[] { 0, 1, 50 })
            {
                var expected = new double[n];
                var actual = new double[n];
                ShapeReference.EscapeRadius(cr, ci, maxIter, expected);
                ShapeKernels.EscapeRadius(cr, ci, maxIter, actual);
                JitTestData.BitwiseEqual<double>(expected, actual, $"EscapeRadius, length {n}, {maxIter} iterations");
            }
        }
    }

    [Fact]
    public void Integer_loops_with_division_wrap_and_stop_like_the_scalar_loop()
    {
        foreach (int n in Lengths)
        {
            var x = ShapeData.Ints(n, 200 + n, -1000, 100_000, 0, 1, 2, -1, int.MaxValue, int.MinValue, 27, 837_799);
            foreach (int limit in new[] { 0, 1, 500 })
            {
                var expected = new int[n];
                var actual = new int[n];
                ShapeReference.CollatzSteps(x, limit, expected);
                ShapeKernels.CollatzSteps(x, limit, actual);
                JitTestData.BitwiseEqual<int>(expected, actual, $"CollatzSteps, length {n}, limit {limit}");
            }

            var digits = JitTestData.Ints(n, 300 + n);
            var expectedSum = new int[n];
            var actualSum = new int[n];
            ShapeReference.NonzeroDigitSum(digits, expectedSum);
            ShapeKernels.NonzeroDigitSum(digits, actualSum);
            JitTestData.BitwiseEqual<int>(expectedSum, actualSum, $"NonzeroDigitSum, length {n}");
        }
    }

    [Fact]
    public void A_do_loop_runs_its_body_before_the_first_test()
    {
        foreach (int n in Lengths)
        {
            var x = JitTestData.Doubles(n, 400 + n);
            var expected = new int[n];
            var actual = new int[n];
            ShapeReference.Halvings(x, expected);
            ShapeKernels.Halvings(x, actual);
            JitTestData.BitwiseEqual<int>(expected, actual, $"Halvings, length {n}");
            Assert.All(actual, k => Assert.True(k >= 1));
        }
    }

    [Fact]
    public void Break_takes_lanes_out_with_the_values_of_their_last_trip()
    {
        foreach (int n in Lengths)
        {
            var x = ShapeData.Ints(n, 500 + n, -100, 200_000, 0, 1, 2, 3, 4, 49, 97, 7919, 46_337 * 46_327, int.MaxValue, int.MinValue);
            var expected = new int[n];
            var actual = new int[n];
            ShapeReference.SmallestFactor(x, expected);
            ShapeKernels.SmallestFactor(x, actual);
            JitTestData.BitwiseEqual<int>(expected, actual, $"SmallestFactor, length {n}");
        }
    }

    [Fact]
    public void A_reduction_inside_a_while_loop_counts_only_live_lanes()
    {
        foreach (int n in Lengths)
        {
            var x = JitTestData.Doubles(n, 600 + n);
            foreach (double limit in new[] { 0.0, 1e3, double.PositiveInfinity, double.NaN })
            {
                Assert.Equal(ShapeReference.TotalSteps(x, limit), ShapeKernels.TotalSteps(x, limit));
            }
        }
    }
}
