using Parallax.Samples;

namespace Parallax.Tests.Jit;

/// <summary>
/// Nested loops over rectangular arrays against their scalar twins, bit for bit: element-wise (the
/// flattened path and the row path), stencils reading past every border of the loops' range, masks,
/// reductions, 3-D, Parallel over 0, 1 and odd row counts; ranges and aliasing checked up front.
/// </summary>
public class RectangularTests
{
    private static double[,] Doubles(int n, int m, int seed) => ShapeData.Matrix(n, m, k => JitTestData.Doubles(k, seed));

    [Fact]
    public void Element_wise_add_matches_on_every_shape_whole_or_in_part()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var x = Doubles(n, m, 1);
            var y = Doubles(n, m, 2);
            var expected = new double[n, m];
            var actual = new double[n, m];
            PlainShapes.Add(x, y, expected);
            JitShapes.Add(x, y, actual);
            ShapeData.Equal(expected, actual, $"Add2D {n}x{m}");

            // Sources wider and taller than the result: not one run, so the kernel goes row by row.
            var wide = Doubles(n + 1, m + 3, 3);
            expected = new double[n, m];
            actual = new double[n, m];
            PlainShapes.Add(wide, y, expected);
            JitShapes.Add(wide, y, actual);
            ShapeData.Equal(expected, actual, $"Add2D {n}x{m} from {n + 1}x{m + 3}");
        }
    }

    [Fact]
    public void A_source_smaller_than_the_loops_is_refused_up_front()
    {
        var e = Assert.Throws<ArgumentException>(() => JitShapes.Add(new double[3, 4], new double[3, 3], new double[3, 4]));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("dimension 1", e.Message);
        Assert.Throws<IndexOutOfRangeException>(() => PlainShapes.Add(new double[3, 4], new double[3, 3], new double[3, 4]));

        // Loops that do not run read nothing, whatever the other shapes.
        JitShapes.Add(new double[0, 0], new double[5, 5], new double[0, 9]);
        JitShapes.Add(new double[0, 0], new double[0, 0], new double[4, 0]);
    }

    [Fact]
    public void Blur_matches_at_every_border_and_leaves_the_frame_alone()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var src = Doubles(n, m, 10);
            var expected = Doubles(n, m, 11);
            var actual = (double[,])expected.Clone();
            var parallel = (double[,])expected.Clone();
            PlainShapes.Blur(src, expected);
            JitShapes.Blur(src, actual);
            ShapeKernels.BlurParallel(src, parallel);
            ShapeData.Equal(expected, actual, $"Blur {n}x{m}");
            ShapeData.Equal(expected, parallel, $"BlurParallel {n}x{m}");
        }
    }

    [Fact]
    public void A_stencil_in_place_is_refused()
    {
        var a = Doubles(5, 5, 12);
        var e = Assert.Throws<ArgumentException>(() => JitShapes.Blur(a, a));
        Assert.Equal("dst", e.ParamName);
        Assert.Throws<ArgumentException>(() => ShapeKernels.BlurParallel(a, a));

        // Too small for the loops to run: nothing is read or written, as in the scalar loop.
        var tiny = Doubles(2, 9, 13);
        JitShapes.Blur(tiny, tiny);
    }

    [Fact]
    public void Nine_point_float_stencil_and_shifted_long_reads()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var a = ShapeData.Matrix(n, m, k => JitTestData.Floats(k, 20));
            var expected = ShapeData.Matrix(n, m, k => JitTestData.Floats(k, 21));
            var actual = (float[,])expected.Clone();
            ShapeReference.Stencil9(a, expected);
            ShapeKernels.Stencil9(a, actual);
            ShapeData.Equal(expected, actual, $"Stencil9 {n}x{m}");

            var l = ShapeData.Matrix(n, m, k => JitTestData.Longs(k, 22));
            var expectedLong = new long[n, m];
            var actualLong = new long[n, m];
            ShapeReference.Shifted(l, expectedLong);
            ShapeKernels.Shifted(l, actualLong);
            ShapeData.Equal(expectedLong, actualLong, $"Shifted {n}x{m}");
        }
    }

    [Fact]
    public void Loop_variables_as_values_and_per_row_scalars()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var expected = new int[n, m];
            var actual = new int[n, m];
            ShapeReference.Ramp(expected);
            ShapeKernels.Ramp(actual);
            ShapeData.Equal(expected, actual, $"Ramp {n}x{m}");

            ShapeReference.Checkerboard(expected);
            ShapeKernels.Checkerboard(actual);
            ShapeData.Equal(expected, actual, $"Checkerboard {n}x{m}");

            var x = Doubles(n, m, 30);
            var w = JitTestData.Doubles(n, 31);
            var b = JitTestData.Doubles(m, 32);
            var expectedScaled = new double[n, m];
            var actualScaled = new double[n, m];
            ShapeReference.RowScale(x, w, b, expectedScaled);
            ShapeKernels.RowScale(x, w, b, actualScaled);
            ShapeData.Equal(expectedScaled, actualScaled, $"RowScale {n}x{m}");
        }

        // A per-row read past its array throws what the scalar loop throws, at the same row.
        var rows = Doubles(4, 3, 33);
        rows[1, 0] = 3;
        var partial = new double[4, 3];
        Assert.Throws<IndexOutOfRangeException>(() => ShapeKernels.RowScale(rows, [1, 2], [1, 1, 1], partial));
        Assert.Equal(7, partial[1, 0]);
        Assert.Equal(0, partial[2, 0]);
        var e = Assert.Throws<ArgumentException>(() => ShapeKernels.RowScale(rows, new double[4], new double[2], new double[4, 3]));
        Assert.Equal("b", e.ParamName);
    }

    [Fact]
    public void Masks_select_per_element_into_an_allocated_result()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var x = ShapeData.Matrix(n, m, k => JitTestData.Floats(k, 40));
            ShapeData.Equal(ShapeReference.Clip(x, -0.5f, 0.25f), ShapeKernels.Clip(x, -0.5f, 0.25f), $"Clip {n}x{m}");
            ShapeData.Equal(ShapeReference.Clip(x, float.NaN, 0f), ShapeKernels.Clip(x, float.NaN, 0f), $"Clip NaN {n}x{m}");
        }
    }

    [Fact]
    public void Reductions_and_counts_over_rows_match_exactly()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var l = ShapeData.Matrix(n, m, k => JitTestData.Longs(k, 50));
            Assert.Equal(ShapeReference.Sum2D(l), ShapeKernels.Sum2D(l));
            Assert.Equal(ShapeReference.SumInterior(l), ShapeKernels.SumInterior(l));

            var x = Doubles(n, m, 51);
            foreach (double t in new[] { 0.0, -0.0, 1e-3, double.NaN, double.NegativeInfinity })
            {
                int count = ShapeReference.CountAbove(x, t);
                Assert.Equal(count, ShapeKernels.CountAbove(x, t));
                Assert.Equal(count, ShapeKernels.CountAboveParallel(x, t));
            }
        }
    }

    [Fact]
    public void Parallel_rows_split_over_zero_one_and_odd_row_counts()
    {
        foreach (int rows in new[] { 0, 1, 2, 3, 7, 33, 257, 1001 })
        {
            foreach (int m in new[] { 1, 17, 300 })
            {
                var src = Doubles(rows, m, rows + m);
                var expected = Doubles(rows, m, 60);
                var actual = (double[,])expected.Clone();
                PlainShapes.Blur(src, expected);
                ShapeKernels.BlurParallel(src, actual);
                ShapeData.Equal(expected, actual, $"BlurParallel {rows}x{m}");
                Assert.Equal(ShapeReference.CountAbove(src, 0.1), ShapeKernels.CountAboveParallel(src, 0.1));

                // Not the whole array: row by row, with a partial sum per chunk of rows.
                var l = ShapeData.Matrix(rows, m, k => JitTestData.Longs(k, rows * m));
                Assert.Equal(ShapeReference.SumInterior(l), ShapeKernels.SumInterior(l));
            }
        }
    }

    [Fact]
    public void A_fast_math_sum_over_rows_stays_within_its_bound()
    {
        foreach (var (n, m) in ShapeData.Shapes2D)
        {
            var x = ShapeData.Matrix(n, m, k => Enumerable.Range(0, k).Select(i => Math.Sin(i + 0.5) * 1e3).ToArray());
            double expected = ShapeReference.SumPositive(x), actual = ShapeKernels.SumPositive(x);
            double magnitude = 0;
            foreach (double v in x) magnitude += v > 0 ? v : 0;
            Assert.True(Math.Abs(expected - actual) <= 2.0 * n * m * Math.Pow(2, -53) * magnitude, $"SumPositive {n}x{m}: {actual} against {expected}");
        }
    }

    [Fact]
    public void Three_dimensional_loops_match_whole_and_as_a_stencil()
    {
        foreach (var (l, n, m) in ShapeData.Shapes3D)
        {
            var x = ShapeData.Cube(l, n, m, k => JitTestData.Floats(k, 70));
            var y = ShapeData.Cube(l, n, m, k => JitTestData.Floats(k, 71));
            var expected = new float[l, n, m];
            var actual = new float[l, n, m];
            ShapeReference.Add3D(x, y, expected);
            ShapeKernels.Add3D(x, y, actual);
            ShapeData.Equal(expected, actual, $"Add3D {l}x{n}x{m}");

            var a = ShapeData.Cube(l, n, m, k => JitTestData.Doubles(k, 72));
            var expectedLaplace = ShapeData.Cube(l, n, m, k => JitTestData.Doubles(k, 73));
            var actualLaplace = (double[,,])expectedLaplace.Clone();
            ShapeReference.Laplace3D(a, expectedLaplace);
            ShapeKernels.Laplace3D(a, actualLaplace);
            ShapeData.Equal(expectedLaplace, actualLaplace, $"Laplace3D {l}x{n}x{m}");
        }
    }
}
