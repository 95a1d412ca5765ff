namespace Parallax.Tests.Linalg;

/// <summary>NaN and infinity propagate as IEEE arithmetic says; shape errors name both shapes.</summary>
public class SpecialValuesAndShapesTests
{
    [Fact]
    public void NaN_in_a_poisons_exactly_its_row_of_c()
    {
        const int m = 20, n = 30, k = 300;
        var a = Reference.Random(1, m * k);
        var b = Reference.Random(2, k * n);
        a[7 * k + 123] = double.NaN;
        var c = new double[m * n];
        Parallax.Linalg.Dot(a, m, k, k, b, k, n, n, c, n);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(i == 7, double.IsNaN(c[i * n + j]));
            }
        }
    }

    [Fact]
    public void Infinity_in_b_makes_its_column_infinite_where_the_factor_is_nonzero()
    {
        const int m = 19, n = 50, k = 10;
        var a = new double[m * k];
        Array.Fill(a, 1.0);
        a[4 * k + 3] = 0.0; // 0·∞ is NaN: row 4 of column 33 must say so
        a[5 * k + 3] = -2.0;
        var b = Reference.Random(3, k * n);
        b[3 * n + 33] = double.PositiveInfinity;
        var c = new double[m * n];
        Parallax.Linalg.Dot(a, m, k, k, b, k, n, n, c, n);
        for (int i = 0; i < m; i++)
        {
            double expected = i == 4 ? double.NaN : i == 5 ? double.NegativeInfinity : double.PositiveInfinity;
            Assert.Equal(expected, c[i * n + 33]);
            Assert.True(double.IsFinite(c[i * n + 32]));
        }
    }

    [Fact]
    public void Beta_zero_does_not_read_c()
    {
        var a = Reference.Random(4, 9 * 5);
        var b = Reference.Random(5, 5 * 26);
        var c = new double[9 * 26];
        Array.Fill(c, double.NaN);
        Parallax.Linalg.Gemm(Transpose.None, Transpose.None, 9, 26, 5, 1.0, a, 5, b, 26, 0.0, c, 26);
        Assert.All(c, x => Assert.True(double.IsFinite(x)));

        Array.Fill(c, double.NaN);
        Parallax.Linalg.Gemm(Transpose.None, Transpose.None, 9, 26, 0, 1.0, a, 5, b, 26, 0.0, c, 26);
        Assert.All(c, x => Assert.Equal(0.0, x));
    }

    [Fact]
    public void Mismatched_2d_arrays_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Parallax.Linalg.Dot(new double[3, 4], new double[5, 2]));
        Assert.StartsWith("a is 3x4 but b is 5x2: a's columns must equal b's rows.", e.Message);
        Assert.Equal("b", e.ParamName);
    }

    [Fact]
    public void Mismatched_spans_name_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Parallax.Linalg.Dot(new float[12], 3, 4, 4, new float[10], 5, 2, 2, new float[6], 2));
        Assert.StartsWith("a is 3x4 but b is 5x2", e.Message);
    }

    [Fact]
    public void Gemm_names_the_transposed_shapes_and_a_wrong_c()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Parallax.Linalg.Gemm(1.0, new double[3, 4], Transpose.Transposed, new double[5, 2], Transpose.None, 0.0, new double[4, 2]));
        Assert.StartsWith("aᵀ is 4x3 but b is 5x2: aᵀ's columns must equal b's rows.", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            Parallax.Linalg.Gemm(1.0, new double[3, 4], Transpose.None, new double[4, 2], Transpose.None, 0.0, new double[2, 2]));
        Assert.StartsWith("c is 2x2 but a·b is 3x2", e.Message);
        Assert.Equal("c", e.ParamName);
    }

    [Fact]
    public void Short_span_and_small_leading_dimension_are_rejected_with_the_numbers()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            Parallax.Linalg.Gemm(Transpose.None, Transpose.None, 3, 2, 4, 1.0, new double[11], 4, new double[8], 2, 0.0, new double[6], 2));
        Assert.Contains("a is 3x4 with leading dimension 4, which needs 12 elements, but the span has 11", e.Message);

        var r = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Parallax.Linalg.Gemm(Transpose.None, Transpose.None, 3, 2, 4, 1.0, new double[12], 3, new double[8], 2, 0.0, new double[6], 2));
        Assert.Equal("lda", r.ParamName);
    }

    [Fact]
    public void Empty_matrices_give_empty_or_zero_results()
    {
        Assert.Equal(new double[0, 5], Parallax.Linalg.Dot(new double[0, 3], new double[3, 5]));
        Assert.Equal(new double[2, 3], Parallax.Linalg.Dot(new double[2, 0], new double[0, 3]));
    }
}
