namespace Parallax;

/// <summary>
/// numpy's <c>np.dot</c> for C#: a packed, register-blocked, multi-threaded GEMM in managed code
/// (BLIS/GotoBLAS design, AVX-512 / AVX2 / scalar micro-kernels chosen for the CPU at start), plus
/// matrix-vector and vector-vector products. All matrices are row-major. Outputs must not overlap inputs.
/// </summary>
/// <remarks>
/// Threads: <see cref="MaxThreads"/> caps the cores one product uses; it defaults to the environment
/// variable <c>PARALLAX_LINALG_THREADS</c> when set (Parallax engines set it from the cores and the
/// engines, ClusterOptions.LinalgThreadsPerEngine), else to every core. A product called from inside
/// another product's worker, or small enough that a second thread does not pay, runs on one thread.
/// </remarks>
public static class Linalg
{
    /// <summary>The environment variable read at start for the default of <see cref="MaxThreads"/>.</summary>
    public static readonly string ThreadsEnvironmentVariable = "PARALLAX_LINALG_THREADS";

    private static int maxThreads = DefaultThreads();

    /// <summary>
    /// The most threads one matrix product uses. Default: <c>PARALLAX_LINALG_THREADS</c> if set to a
    /// positive integer, else <see cref="Environment.ProcessorCount"/>. Set it to 1 to keep products on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => maxThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            maxThreads = value;
        }
    }

    /// <summary>The matrix product a·b (np.dot of two 2-D arrays) as a new array.</summary>
    /// <param name="a">An m x k matrix.</param>
    /// <param name="b">A k x n matrix.</param>
    /// <returns>The m x n product.</returns>
    /// <exception cref="ArgumentException">a's columns differ from b's rows; the message names both shapes.</exception>
    public static double[,] Dot(double[,] a, double[,] b) => LinalgCore<double>.Dot(a, b);

    /// <inheritdoc cref="Dot(double[,], double[,])"/>
    public static float[,] Dot(float[,] a, float[,] b) => LinalgCore<float>.Dot(a, b);

    /// <summary>
    /// The matrix product a·b as a new array, reading each operand where it lies: a <c>T[,]</c>, a
    /// sub-matrix, or an engine variable pushed through shared memory (<see cref="Engine.GetMatrix{T}"/>),
    /// with no copy. Bitwise equal to the product of the same values as arrays.
    /// </summary>
    /// <param name="a">An m x k matrix.</param>
    /// <param name="b">A k x n matrix.</param>
    /// <returns>The m x n product.</returns>
    /// <exception cref="ArgumentException">a's columns differ from b's rows; the message names both shapes.</exception>
    /// <exception cref="ObjectDisposedException">An operand is a view of an engine variable that no longer holds it.</exception>
    public static double[,] Dot(ReadOnlyMatrixSpan<double> a, ReadOnlyMatrixSpan<double> b) => LinalgCore<double>.Dot(a, b);

    /// <inheritdoc cref="Dot(ReadOnlyMatrixSpan{double}, ReadOnlyMatrixSpan{double})"/>
    public static float[,] Dot(ReadOnlyMatrixSpan<float> a, ReadOnlyMatrixSpan<float> b) => LinalgCore<float>.Dot(a, b);

    /// <summary>
    /// The matrix product c = a·b into an existing matrix, which is only written (as BLAS with beta = 0):
    /// a <c>T[,]</c>, a sub-matrix, or an engine variable in shared memory that a pull maps as it is
    /// (<see cref="Engine.SetMatrix{T}"/>).
    /// </summary>
    /// <param name="a">An m x k matrix.</param>
    /// <param name="b">A k x n matrix.</param>
    /// <param name="c">The m x n result, overwritten; must not overlap a or b.</param>
    /// <exception cref="ArgumentException">The shapes do not chain; the message names them.</exception>
    /// <exception cref="ObjectDisposedException">A matrix is a view of an engine variable that no longer holds it.</exception>
    public static void Dot(ReadOnlyMatrixSpan<double> a, ReadOnlyMatrixSpan<double> b, MatrixSpan<double> c) => LinalgCore<double>.Gemm(1, a, Transpose.None, b, Transpose.None, 0, c);

    /// <inheritdoc cref="Dot(ReadOnlyMatrixSpan{double}, ReadOnlyMatrixSpan{double}, MatrixSpan{double})"/>
    public static void Dot(ReadOnlyMatrixSpan<float> a, ReadOnlyMatrixSpan<float> b, MatrixSpan<float> c) => LinalgCore<float>.Gemm(1, a, Transpose.None, b, Transpose.None, 0, c);

    /// <summary>
    /// The matrix product c = a·b over row-major spans with explicit shapes and leading dimensions
    /// (the distance between the starts of two rows), so a sub-matrix of a larger buffer works in place.
    /// </summary>
    /// <param name="a">a's elements, row i starting at <c>i * lda</c>.</param>
    /// <param name="aRows">a's rows (m).</param>
    /// <param name="aColumns">a's columns (k).</param>
    /// <param name="lda">a's leading dimension, at least <paramref name="aColumns"/>.</param>
    /// <param name="b">b's elements, row i starting at <c>i * ldb</c>.</param>
    /// <param name="bRows">b's rows, which must equal <paramref name="aColumns"/>.</param>
    /// <param name="bColumns">b's columns (n).</param>
    /// <param name="ldb">b's leading dimension, at least <paramref name="bColumns"/>.</param>
    /// <param name="c">The m x n result, overwritten; row i starts at <c>i * ldc</c>.</param>
    /// <param name="ldc">c's leading dimension, at least <paramref name="bColumns"/>.</param>
    /// <exception cref="ArgumentException">The shapes do not chain, or a span is too short for its shape.</exception>
    public static void Dot(ReadOnlySpan<double> a, int aRows, int aColumns, int lda, ReadOnlySpan<double> b, int bRows, int bColumns, int ldb, Span<double> c, int ldc)
        => LinalgCore<double>.Dot(a, aRows, aColumns, lda, b, bRows, bColumns, ldb, c, ldc);

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, int, int, int, ReadOnlySpan{double}, int, int, int, Span{double}, int)"/>
    public static void Dot(ReadOnlySpan<float> a, int aRows, int aColumns, int lda, ReadOnlySpan<float> b, int bRows, int bColumns, int ldb, Span<float> c, int ldc)
        => LinalgCore<float>.Dot(a, aRows, aColumns, lda, b, bRows, bColumns, ldb, c, ldc);

    /// <summary>
    /// The general product into an existing matrix: c = alpha·op(a)·op(b) + beta·c, where op is the
    /// identity or the transpose. With beta = 0, c is only written (NaN or garbage in c does not leak).
    /// </summary>
    /// <param name="alpha">Scales the product.</param>
    /// <param name="a">Stored matrix; op(a) must be m x k.</param>
    /// <param name="transA">Whether to use a or aᵀ.</param>
    /// <param name="b">Stored matrix; op(b) must be k x n.</param>
    /// <param name="transB">Whether to use b or bᵀ.</param>
    /// <param name="beta">Scales c's previous contents.</param>
    /// <param name="c">The m x n result, updated in place.</param>
    /// <exception cref="ArgumentException">The shapes do not chain; the message names them.</exception>
    public static void Gemm(double alpha, double[,] a, Transpose transA, double[,] b, Transpose transB, double beta, double[,] c)
        => LinalgCore<double>.Gemm(alpha, a, transA, b, transB, beta, c);

    /// <inheritdoc cref="Gemm(double, double[,], Transpose, double[,], Transpose, double, double[,])"/>
    public static void Gemm(float alpha, float[,] a, Transpose transA, float[,] b, Transpose transB, float beta, float[,] c)
        => LinalgCore<float>.Gemm(alpha, a, transA, b, transB, beta, c);

    /// <summary>
    /// The general product over matrix views: c = alpha·op(a)·op(b) + beta·c, each operand read where it
    /// lies (arrays, sub-matrices, engine variables in shared memory); with beta = 0, c is only written.
    /// </summary>
    /// <param name="alpha">Scales the product.</param>
    /// <param name="a">Stored matrix; op(a) must be m x k.</param>
    /// <param name="transA">Whether to use a or aᵀ.</param>
    /// <param name="b">Stored matrix; op(b) must be k x n.</param>
    /// <param name="transB">Whether to use b or bᵀ.</param>
    /// <param name="beta">Scales c's previous contents.</param>
    /// <param name="c">The m x n result, updated in place; must not overlap a or b.</param>
    /// <exception cref="ArgumentException">The shapes do not chain; the message names them.</exception>
    /// <exception cref="ObjectDisposedException">A matrix is a view of an engine variable that no longer holds it.</exception>
    public static void Gemm(double alpha, ReadOnlyMatrixSpan<double> a, Transpose transA, ReadOnlyMatrixSpan<double> b, Transpose transB, double beta, MatrixSpan<double> c)
        => LinalgCore<double>.Gemm(alpha, a, transA, b, transB, beta, c);

    /// <inheritdoc cref="Gemm(double, ReadOnlyMatrixSpan{double}, Transpose, ReadOnlyMatrixSpan{double}, Transpose, double, MatrixSpan{double})"/>
    public static void Gemm(float alpha, ReadOnlyMatrixSpan<float> a, Transpose transA, ReadOnlyMatrixSpan<float> b, Transpose transB, float beta, MatrixSpan<float> c)
        => LinalgCore<float>.Gemm(alpha, a, transA, b, transB, beta, c);

    /// <summary>
    /// BLAS's row-major <c>cblas_dgemm</c> over spans: c = alpha·op(a)·op(b) + beta·c with op(a) m x k,
    /// op(b) k x n, c m x n. A transposed operand is read in place through its strides, never copied.
    /// </summary>
    /// <param name="transA">Whether a is used as stored (m x k, leading dimension ≥ k) or transposed (stored k x m, leading dimension ≥ m).</param>
    /// <param name="transB">Whether b is used as stored (k x n) or transposed (stored n x k).</param>
    /// <param name="m">Rows of op(a) and c.</param>
    /// <param name="n">Columns of op(b) and c.</param>
    /// <param name="k">Columns of op(a), rows of op(b).</param>
    /// <param name="alpha">Scales the product.</param>
    /// <param name="a">a's elements as stored, row-major.</param>
    /// <param name="lda">a's leading dimension (stored row length plus any padding).</param>
    /// <param name="b">b's elements as stored, row-major.</param>
    /// <param name="ldb">b's leading dimension.</param>
    /// <param name="beta">Scales c's previous contents; 0 means c is not read.</param>
    /// <param name="c">c's elements, row-major, updated in place.</param>
    /// <param name="ldc">c's leading dimension, at least n.</param>
    /// <exception cref="ArgumentException">A span is too short for its shape or a leading dimension too small.</exception>
    public static void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
        => LinalgCore<double>.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc cref="Gemm(Transpose, Transpose, int, int, int, double, ReadOnlySpan{double}, int, ReadOnlySpan{double}, int, double, Span{double}, int)"/>
    public static void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => LinalgCore<float>.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>The matrix-vector product a·x (np.dot of a 2-D and a 1-D array) as a new vector.</summary>
    /// <param name="a">An m x n matrix.</param>
    /// <param name="x">A vector of n elements.</param>
    /// <returns>The m elements of a·x.</returns>
    /// <exception cref="ArgumentException">x's length differs from a's columns.</exception>
    public static double[] Dot(double[,] a, ReadOnlySpan<double> x) => LinalgCore<double>.Dot(a, x, Transpose.None);

    /// <inheritdoc cref="Dot(double[,], ReadOnlySpan{double})"/>
    public static float[] Dot(float[,] a, ReadOnlySpan<float> x) => LinalgCore<float>.Dot(a, x, Transpose.None);

    /// <summary>The vector-matrix product x·a (np.dot of a 1-D and a 2-D array) as a new vector.</summary>
    /// <param name="x">A vector of m elements.</param>
    /// <param name="a">An m x n matrix.</param>
    /// <returns>The n elements of x·a.</returns>
    /// <exception cref="ArgumentException">x's length differs from a's rows.</exception>
    public static double[] Dot(ReadOnlySpan<double> x, double[,] a) => LinalgCore<double>.Dot(a, x, Transpose.Transposed);

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, double[,])"/>
    public static float[] Dot(ReadOnlySpan<float> x, float[,] a) => LinalgCore<float>.Dot(a, x, Transpose.Transposed);

    /// <summary>
    /// BLAS's <c>gemv</c> over spans: y = alpha·op(a)·x + beta·y, a stored m x n row-major with leading
    /// dimension lda, op(a) = a (x has n elements, y m) or aᵀ (x has m, y n). With beta = 0, y is not read.
    /// </summary>
    /// <param name="trans">Whether to use a or aᵀ.</param>
    /// <param name="m">a's stored rows.</param>
    /// <param name="n">a's stored columns.</param>
    /// <param name="alpha">Scales the product.</param>
    /// <param name="a">a's elements, row-major.</param>
    /// <param name="lda">a's leading dimension, at least n.</param>
    /// <param name="x">The input vector.</param>
    /// <param name="beta">Scales y's previous contents.</param>
    /// <param name="y">The output vector, updated in place.</param>
    /// <exception cref="ArgumentException">A length does not match the shape.</exception>
    public static void Gemv(Transpose trans, int m, int n, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> x, double beta, Span<double> y)
        => LinalgCore<double>.Gemv(trans, m, n, alpha, a, lda, x, beta, y);

    /// <inheritdoc cref="Gemv(Transpose, int, int, double, ReadOnlySpan{double}, int, ReadOnlySpan{double}, double, Span{double})"/>
    public static void Gemv(Transpose trans, int m, int n, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> x, float beta, Span<float> y)
        => LinalgCore<float>.Gemv(trans, m, n, alpha, a, lda, x, beta, y);

    /// <summary>The inner product x·y of two vectors (np.dot of two 1-D arrays).</summary>
    /// <param name="x">The first vector.</param>
    /// <param name="y">The second vector, as long as x.</param>
    /// <returns>The sum of x[i]·y[i].</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => LinalgCore<double>.Dot(x, y);

    /// <inheritdoc cref="Dot(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => LinalgCore<float>.Dot(x, y);

    /// <summary>The micro-kernel this process uses for doubles, e.g. "Vector512 8x24" (for benchmark reports).</summary>
    public static string KernelDescription => GemmDispatch<double>.KernelName;

    private static int DefaultThreads()
    {
        var text = Environment.GetEnvironmentVariable(ThreadsEnvironmentVariable);
        return int.TryParse(text, out int n) && n > 0 ? Math.Min(n, Environment.ProcessorCount) : Environment.ProcessorCount;
    }
}
