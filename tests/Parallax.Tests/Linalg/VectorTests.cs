namespace Parallax.Tests.Linalg;

/// <summary>Matrix-vector (gemv), vector-matrix and vector-vector products against plain loops.</summary>
public class VectorTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 1)]
    [InlineData(1, 257)]
    [InlineData(63, 130)]
    public void Matrix_times_vector_and_vector_times_matrix_match_loops(int m, int n)
    {
        var a = GemmTests.To2D(Reference.Random(1, m * n), m, n);
        var x = Reference.Random(2, n);
        var z = Reference.Random(3, m);
        var ax = Parallax.Linalg.Dot(a, x);
        var za = Parallax.Linalg.Dot(z, a);
        Assert.Equal(m, ax.Length);
        Assert.Equal(n, za.Length);
        for (int i = 0; i < m; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                sum += a[i, j] * x[j];
            }

            Assert.Equal(sum, ax[i], (n + 2) * 1e-16 * n);
        }

        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < m; i++)
            {
                sum += z[i] * a[i, j];
            }

            Assert.Equal(sum, za[j], (m + 2) * 1e-16 * m);
        }
    }

    [Theory]
    [InlineData(Transpose.None)]
    [InlineData(Transpose.Transposed)]
    public void Gemv_honours_alpha_beta_and_the_leading_dimension(Transpose trans)
    {
        const int m = 13, n = 21, lda = 25;
        var a = Reference.Random(4, m * lda);
        var x = Reference.Random(5, trans == Transpose.None ? n : m);
        var y0 = Reference.Random(6, trans == Transpose.None ? m : n);
        var y = (double[])y0.Clone();
        Parallax.Linalg.Gemv(trans, m, n, 2.0, a, lda, x, -0.5, y);
        for (int r = 0; r < y.Length; r++)
        {
            double sum = 0;
            for (int p = 0; p < x.Length; p++)
            {
                sum += (trans == Transpose.None ? a[r * lda + p] : a[p * lda + r]) * x[p];
            }

            Assert.Equal(2.0 * sum - 0.5 * y0[r], y[r], 1e-13);
        }
    }

    [Fact]
    public void Vector_dot_matches_a_loop_and_rejects_unequal_lengths()
    {
        var x = Reference.Random(7, 1001);
        var y = Reference.Random(8, 1001);
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * y[i];
        }

        Assert.Equal(sum, Parallax.Linalg.Dot(x, y), 1e-12);
        Assert.Equal(32f, Parallax.Linalg.Dot([1f, 2f, 3f], [4f, 5f, 6f]));
        var e = Assert.Throws<ArgumentException>(() => Parallax.Linalg.Dot(new double[3], new double[4]));
        Assert.StartsWith("x has 3 elements but y has 4", e.Message);
    }

    [Fact]
    public void Matrix_vector_length_mismatch_names_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Parallax.Linalg.Dot(new double[3, 4], new double[5]));
        Assert.StartsWith("a is 3x4 but x has 5 elements", e.Message);
        e = Assert.Throws<ArgumentException>(() => Parallax.Linalg.Dot(new double[5], new double[3, 4]));
        Assert.StartsWith("x has 5 elements but a is 3x4", e.Message);
    }
}
