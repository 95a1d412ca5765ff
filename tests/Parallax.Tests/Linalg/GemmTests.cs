namespace Parallax.Tests.Linalg;

/// <summary>
/// Linalg's GEMM against the naive loop on shapes chosen to hit every edge of the blocking: single
/// rows and columns, primes, and sizes one past the micro-tile (8x24), the depth block (256) and the
/// packed B block (240 columns) and row block (2048), in all four transpose combinations with alpha and beta.
/// </summary>
public class GemmTests
{
    private const double Eps = 1.1102230246251565e-16; // unit roundoff of double, 2^-53

    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 1, 300, 17 },
        { 300, 1, 17 },
        { 17, 17, 17 },
        { 257, 257, 257 },
        { 9, 25, 513 },      // one past MR, NR and two depth blocks
        { 2057, 7, 3 },      // one past the row block (2048): two blocks with a partial micro-panel, thin
        { 31, 265, 40 },     // one past the B block (240) plus a partial micro-tile
        { 2, 3, 0 },         // empty depth: c = beta·c
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_naive_loop_for_every_transpose_with_alpha_and_beta(int m, int n, int k)
    {
        foreach (var ta in new[] { Transpose.None, Transpose.Transposed })
        {
            foreach (var tb in new[] { Transpose.None, Transpose.Transposed })
            {
                // Padded leading dimensions prove the strides are honoured, not assumed.
                int lda = (ta == Transpose.None ? k : m) + 3, ldb = (tb == Transpose.None ? n : k) + 1, ldc = n + 2;
                var a = Reference.Random(1, (ta == Transpose.None ? m : k) * lda);
                var b = Reference.Random(2, (tb == Transpose.None ? k : n) * ldb);
                var c0 = Reference.Random(3, m * ldc);
                foreach (var (alpha, beta) in new[] { (1.0, 0.0), (-0.5, 2.0), (3.0, 1.0) })
                {
                    var c = (double[])c0.Clone();
                    Parallax.Linalg.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
                    Reference.AssertGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, c, ldc, Eps);
                    AssertPaddingUntouched(c0, c, m, n, ldc);
                }
            }
        }
    }

    [Fact]
    public void Large_prime_square_matches_the_naive_loop()
    {
        const int n = 1021;
        var a = Reference.Random(4, n * n);
        var b = Reference.Random(5, n * n);
        var c = new double[n * n];
        Parallax.Linalg.Dot(a, n, n, n, b, n, n, n, c, n);
        Reference.AssertGemm(Transpose.None, Transpose.None, n, n, n, 1, a, n, b, n, 0, c, c, n, Eps);
    }

    [Fact]
    public void Dot_of_2d_arrays_equals_the_span_form()
    {
        var a = To2D(Reference.Random(6, 37 * 53), 37, 53);
        var b = To2D(Reference.Random(7, 53 * 29), 53, 29);
        var c = Parallax.Linalg.Dot(a, b);
        Assert.Equal(37, c.GetLength(0));
        Assert.Equal(29, c.GetLength(1));
        var flat = new double[37 * 29];
        Parallax.Linalg.Gemm(Transpose.None, Transpose.None, 37, 29, 53, 1, Flat(a), 53, Flat(b), 29, 0, flat, 29);
        Assert.Equal(flat, Flat(c));
        Reference.AssertGemm(Transpose.None, Transpose.None, 37, 29, 53, 1, Flat(a), 53, Flat(b), 29, 0, flat, flat, 29, Eps);
    }

    [Fact]
    public void Gemm_on_2d_arrays_honours_transposes_alpha_and_beta()
    {
        var a = To2D(Reference.Random(8, 40 * 19), 40, 19);   // used transposed: 19x40
        var b = To2D(Reference.Random(9, 33 * 40), 33, 40);   // used transposed: 40x33
        var c0 = To2D(Reference.Random(10, 19 * 33), 19, 33);
        var c = (double[,])c0.Clone();
        Parallax.Linalg.Gemm(0.25, a, Transpose.Transposed, b, Transpose.Transposed, -1.5, c);
        Reference.AssertGemm(Transpose.Transposed, Transpose.Transposed, 19, 33, 40, 0.25, Flat(a), 19, Flat(b), 40, -1.5, Flat(c0), Flat(c), 33, Eps);
    }

    [Fact]
    public void Float_products_match_the_naive_loop_within_float_rounding()
    {
        const int m = 45, n = 101, k = 300;
        var a64 = Reference.Random(11, m * k);
        var b64 = Reference.Random(12, k * n);
        var a = Array.ConvertAll(a64, x => (float)x);
        var b = Array.ConvertAll(b64, x => (float)x);
        var c = new float[m * n];
        Parallax.Linalg.Dot(a, m, k, k, b, k, n, n, c, n);
        var c64 = Array.ConvertAll(c, x => (double)x);
        // The reference sees the float-rounded inputs, so only the product's rounding is measured.
        Reference.AssertGemm(Transpose.None, Transpose.None, m, n, k, 1, Array.ConvertAll(a, x => (double)x), k,
            Array.ConvertAll(b, x => (double)x), n, 0, c64, c64, n, 5.9604645e-08);

        var c2 = Parallax.Linalg.Dot(To2D(a, m, k), To2D(b, k, n));
        Assert.Equal(c, Flat(c2));
    }

    [Theory]
    [InlineData(301, 290, 270)] // tall: split by rows
    [InlineData(20, 1403, 300)] // wide: split by columns
    public void Result_does_not_depend_on_the_thread_count(int m, int n, int k)
    {
        var a = Reference.Random(13, m * k);
        var b = Reference.Random(14, k * n);
        var one = new double[m * n];
        var all = new double[m * n];
        int saved = Parallax.Linalg.MaxThreads;
        try
        {
            Parallax.Linalg.MaxThreads = 1;
            Parallax.Linalg.Dot(a, m, k, k, b, k, n, n, one, n);
            Parallax.Linalg.MaxThreads = 4;
            Parallax.Linalg.Dot(a, m, k, k, b, k, n, n, all, n);
        }
        finally
        {
            Parallax.Linalg.MaxThreads = saved;
        }

        // Every thread runs the same kernel over the same depth blocks in the same order, so the split is invisible.
        Assert.Equal(one, all);
        Reference.AssertGemm(Transpose.None, Transpose.None, m, n, k, 1, a, k, b, n, 0, all, all, n, Eps);
    }

    [Fact]
    public void MaxThreads_rejects_zero()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Parallax.Linalg.MaxThreads = 0);
        Assert.Equal("value", e.ParamName);
    }

    private static void AssertPaddingUntouched(double[] c0, double[] c, int m, int n, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
            {
                Assert.Equal(c0[i * ldc + j], c[i * ldc + j]);
            }
        }
    }

    internal static T[,] To2D<T>(T[] flat, int rows, int cols)
    {
        var x = new T[rows, cols];
        Buffer.BlockCopy(flat, 0, x, 0, flat.Length * System.Runtime.InteropServices.Marshal.SizeOf<T>());
        return x;
    }

    internal static T[] Flat<T>(T[,] x)
    {
        var flat = new T[x.Length];
        Buffer.BlockCopy(x, 0, flat, 0, flat.Length * System.Runtime.InteropServices.Marshal.SizeOf<T>());
        return flat;
    }
}
