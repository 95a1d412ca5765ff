namespace Parallax.Tests.Linalg;

/// <summary>
/// The naive triple loop every GEMM result is checked against, and the error bound that makes the
/// check honest: a dot product of length k computed in any order differs from the exact one by at most
/// about k·eps·Σ|a||b| (Higham, Accuracy and Stability, 3.1), so the tolerance scales with that sum,
/// element by element, and not with a fixed epsilon.
/// </summary>
internal static class Reference
{
    /// <summary>Random values in [-1, 1), seeded so a failure reproduces.</summary>
    public static double[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        var x = new double[length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextDouble() * 2 - 1;
        }

        return x;
    }

    /// <summary>Element (i, j) of op(X) for a row-major X with leading dimension ld.</summary>
    public static double At(double[] x, int ld, Transpose t, int i, int j) => t == Transpose.None ? x[i * ld + j] : x[j * ld + i];

    /// <summary>
    /// Checks c against alpha·op(a)·op(b) + beta·c0 computed naively in double, each element within
    /// (k + 2)·eps·(|alpha|·Σ|a||b| + |beta·c0|), eps being the unit roundoff of the type the product ran in.
    /// </summary>
    public static void AssertGemm(Transpose ta, Transpose tb, int m, int n, int k, double alpha, double[] a, int lda,
        double[] b, int ldb, double beta, double[] c0, double[] c, int ldc, double eps)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = At(a, lda, ta, i, p), y = At(b, ldb, tb, p, j);
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }

                double old = beta == 0 ? 0 : beta * c0[i * ldc + j];
                double expected = alpha * sum + old;
                double bound = (k + 2) * eps * (Math.Abs(alpha) * magnitude + Math.Abs(old)) + double.Epsilon;
                double actual = c[i * ldc + j];
                if (!(Math.Abs(actual - expected) <= bound))
                {
                    Assert.Fail($"{m}x{n}x{k} {ta}/{tb} alpha={alpha} beta={beta}: c[{i},{j}] = {actual:R}, expected {expected:R} within {bound:E2}");
                }
            }
        }
    }
}
