using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parallax;

/// <summary>The shape checks and the pinning behind <see cref="Linalg"/>, written once for float and double.</summary>
internal static unsafe class LinalgCore<T> where T : unmanaged, INumber<T>
{
    public static T[,] Dot(T[,] a, T[,] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Dot(new ReadOnlyMatrixSpan<T>(a), new ReadOnlyMatrixSpan<T>(b));
    }

    public static T[,] Dot(ReadOnlyMatrixSpan<T> a, ReadOnlyMatrixSpan<T> b)
    {
        int m = a.Rows, k = a.Columns, n = b.Columns;
        if (b.Rows != k)
        {
            throw new ArgumentException($"a is {m}x{k} but b is {b.Rows}x{n}: a's columns must equal b's rows.", nameof(b));
        }

        var c = new T[m, n];
        PrefaultLarge(c);
        Gemm(T.One, a, Transpose.None, b, Transpose.None, T.Zero, c);
        return c;
    }

    /// <summary>
    /// A new result of N = 5000 is 200 MB of fresh memory whose pages the kernel would fault in one by
    /// one from inside its tiles (a third of the product's time on a VM); one system call first is cheaper.
    /// </summary>
    private static void PrefaultLarge(T[,] c)
    {
        fixed (byte* start = &MemoryMarshal.GetArrayDataReference(c))
        {
            PageFaults.PrepareArray(start, (nuint)c.Length * (nuint)sizeof(T));
        }
    }

    public static void Gemm(T alpha, T[,] a, Transpose transA, T[,] b, Transpose transB, T beta, T[,] c)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        Gemm(alpha, new ReadOnlyMatrixSpan<T>(a), transA, new ReadOnlyMatrixSpan<T>(b), transB, beta, new MatrixSpan<T>(c));
    }

    /// <summary>
    /// The product over views: each operand is held (<see cref="ReadOnlyMatrixSpan{T}.Enter"/>) while the
    /// product reads it, so an engine variable replaced meanwhile is unmapped only after the product.
    /// </summary>
    public static void Gemm(T alpha, ReadOnlyMatrixSpan<T> a, Transpose transA, ReadOnlyMatrixSpan<T> b, Transpose transB, T beta, MatrixSpan<T> c)
    {
        int m = c.Rows, n = c.Columns;
        var (opARows, opACols) = transA == Transpose.None ? (a.Rows, a.Columns) : (a.Columns, a.Rows);
        var (opBRows, opBCols) = transB == Transpose.None ? (b.Rows, b.Columns) : (b.Columns, b.Rows);
        if (opACols != opBRows)
        {
            throw new ArgumentException(
                $"{Op("a", transA)} is {opARows}x{opACols} but {Op("b", transB)} is {opBRows}x{opBCols}: {Op("a", transA)}'s columns must equal {Op("b", transB)}'s rows.", "b");
        }

        if (opARows != m || opBCols != n)
        {
            throw new ArgumentException(
                $"c is {m}x{n} but {Op("a", transA)}·{Op("b", transB)} is {opARows}x{opBCols}: pass a c with that shape.", "c");
        }

        using var readA = a.Enter();
        using var readB = b.Enter();
        using var writeC = c.Enter();
        Gemm(transA, transB, m, n, opACols, alpha, a.Elements, a.LeadingDimension, b.Elements, b.LeadingDimension, beta, c.Elements, c.LeadingDimension);
    }

    public static void Dot(ReadOnlySpan<T> a, int aRows, int aColumns, int lda, ReadOnlySpan<T> b, int bRows, int bColumns, int ldb, Span<T> c, int ldc)
    {
        if (aColumns != bRows)
        {
            throw new ArgumentException($"a is {aRows}x{aColumns} but b is {bRows}x{bColumns}: a's columns must equal b's rows.", nameof(b));
        }

        Gemm(Transpose.None, Transpose.None, aRows, bColumns, aColumns, T.One, a, lda, b, ldb, T.Zero, c, ldc);
    }

    public static void Gemm(Transpose transA, Transpose transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var (aRows, aCols) = transA == Transpose.None ? (m, k) : (k, m);
        var (bRows, bCols) = transB == Transpose.None ? (k, n) : (n, k);
        CheckStorage(a, "a", aRows, aCols, lda);
        CheckStorage(b, "b", bRows, bCols, ldb);
        CheckStorage(c, "c", m, n, ldc);
        fixed (T* pa = a, pb = b, pc = c)
        {
            var ma = transA == Transpose.None ? new StridedMatrix<T>(pa, lda, 1) : new StridedMatrix<T>(pa, 1, lda);
            var mb = transB == Transpose.None ? new StridedMatrix<T>(pb, ldb, 1) : new StridedMatrix<T>(pb, 1, ldb);
            GemmDispatch<T>.Run(m, n, k, alpha, ma, mb, beta, pc, ldc, Linalg.MaxThreads);
        }
    }

    public static T[] Dot(T[,] a, ReadOnlySpan<T> x, Transpose trans)
    {
        ArgumentNullException.ThrowIfNull(a);
        int rows = a.GetLength(0), cols = a.GetLength(1);
        var y = new T[trans == Transpose.None ? rows : cols];
        int expected = trans == Transpose.None ? cols : rows;
        if (x.Length != expected)
        {
            throw trans == Transpose.None
                ? new ArgumentException($"a is {rows}x{cols} but x has {x.Length} elements: x's length must equal a's columns.", nameof(x))
                : new ArgumentException($"x has {x.Length} elements but a is {rows}x{cols}: x's length must equal a's rows.", nameof(x));
        }

        Gemv(trans, rows, cols, T.One, Flat(a), Math.Max(1, cols), x, T.Zero, y);
        return y;
    }

    public static void Gemv(Transpose trans, int m, int n, T alpha, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> x, T beta, Span<T> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckStorage(a, "a", m, n, lda);
        var (xLength, yLength) = trans == Transpose.None ? (n, m) : (m, n);
        if (x.Length != xLength || y.Length != yLength)
        {
            throw new ArgumentException(
                $"{Op("a", trans)} is {(trans == Transpose.None ? $"{m}x{n}" : $"{n}x{m}")} so x needs {xLength} and y {yLength} elements, but x has {x.Length} and y {y.Length}.", nameof(x));
        }

        if (trans == Transpose.None)
        {
            // Each y[i] is one contiguous row·x dot product.
            for (int i = 0; i < m; i++)
            {
                T dot = TensorPrimitives.Dot(a.Slice(i * lda, n), x);
                y[i] = beta == T.Zero ? alpha * dot : alpha * dot + beta * y[i];
            }

            return;
        }

        // Aᵀx walks A by rows: y += (alpha·x[i])·row i keeps every access contiguous.
        if (beta == T.Zero)
        {
            y.Clear();
        }
        else if (beta != T.One)
        {
            TensorPrimitives.Multiply(y, beta, y);
        }

        for (int i = 0; i < m; i++)
        {
            TensorPrimitives.MultiplyAdd(a.Slice(i * lda, n), alpha * x[i], y, y);
        }
    }

    public static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"x has {x.Length} elements but y has {y.Length}: a vector dot product needs equal lengths.", nameof(y));
        }

        return TensorPrimitives.Dot(x, y);
    }

    private static void CheckStorage(ReadOnlySpan<T> span, string name, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException("ld" + name, ld, $"{name} is stored {rows}x{cols} row-major, so its leading dimension must be at least {Math.Max(1, cols)}.");
        }

        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (span.Length < needed)
        {
            throw new ArgumentException($"{name} is {rows}x{cols} with leading dimension {ld}, which needs {needed} elements, but the span has {span.Length}.", name);
        }
    }

    private static string Op(string name, Transpose t) => t == Transpose.None ? name : name + "ᵀ";

    private static Span<T> Flat(T[,] array) => MatrixShape.Flat(array);
}
