using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parallax;

/// <summary>
/// A register-blocked micro-kernel: C[MR x NR] = A-panel * B-panel (+ beta * C), where the A panel
/// holds MR values per k (broadcast) and the B panel NR values per k (vector loads). Both panels are
/// packed, zero-padded and aligned by <see cref="GemmDriver{T, TKernel}"/>, so the kernel never sees an edge.
/// </summary>
internal unsafe interface IMicroKernel<T> where T : unmanaged, INumber<T>
{
    /// <summary>Rows of the C tile (broadcast A values per k).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (B values per k, a multiple of the vector width).</summary>
    static abstract int NR { get; }

    /// <summary>C tile = A·B + beta·C; with beta == 0 C is only written (BLAS: NaN in C must not leak).</summary>
    static abstract void Run(nint kc, T* a, T* b, T* c, nint ldc, T beta);
}

/// <summary>
/// 8 x 3 vectors of Vector512 (8x24 doubles, 8x48 floats): 24 accumulators + 3 B vectors + 1 broadcast
/// = 28 of the 32 zmm registers. Per k: 24 FMAs against 3 loads and 8 broadcasts, so the two 512-bit
/// FMA pipes of Zen 4/5 (and Intel's AVX-512 server parts) stay fed with loads to spare.
/// </summary>
internal readonly unsafe struct Vector512Kernel<T> : IMicroKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 8;

    public static int NR => 3 * Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, T beta)
    {
        nint w = Vector512<T>.Count;
        TilePrefetch.Rows(c, ldc * sizeof(T), 8, 3 * w * sizeof(T));
        Vector512<T> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<T> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadAligned(b);
            var b1 = Vector512.LoadAligned(b + w);
            var b2 = Vector512.LoadAligned(b + 2 * w);
            var x = Vector512.Create(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01); c02 = Fma(x, b2, c02);
            x = Vector512.Create(a[1]);
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11); c12 = Fma(x, b2, c12);
            x = Vector512.Create(a[2]);
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21); c22 = Fma(x, b2, c22);
            x = Vector512.Create(a[3]);
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31); c32 = Fma(x, b2, c32);
            x = Vector512.Create(a[4]);
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41); c42 = Fma(x, b2, c42);
            x = Vector512.Create(a[5]);
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51); c52 = Fma(x, b2, c52);
            x = Vector512.Create(a[6]);
            c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61); c62 = Fma(x, b2, c62);
            x = Vector512.Create(a[7]);
            c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71); c72 = Fma(x, b2, c72);
            a += 8;
            b += 3 * w;
        }

        var vb = Vector512.Create(beta);
        bool zero = beta == T.Zero;
        StoreRow(c, w, vb, zero, c00, c01, c02); c += ldc;
        StoreRow(c, w, vb, zero, c10, c11, c12); c += ldc;
        StoreRow(c, w, vb, zero, c20, c21, c22); c += ldc;
        StoreRow(c, w, vb, zero, c30, c31, c32); c += ldc;
        StoreRow(c, w, vb, zero, c40, c41, c42); c += ldc;
        StoreRow(c, w, vb, zero, c50, c51, c52); c += ldc;
        StoreRow(c, w, vb, zero, c60, c61, c62); c += ldc;
        StoreRow(c, w, vb, zero, c70, c71, c72);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, nint w, Vector512<T> beta, bool zero, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2)
    {
        if (!zero)
        {
            v0 = Fma(beta, Vector512.Load(c), v0);
            v1 = Fma(beta, Vector512.Load(c + w), v1);
            v2 = Fma(beta, Vector512.Load(c + 2 * w), v2);
        }

        v0.Store(c);
        v1.Store(c + w);
        v2.Store(c + 2 * w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        }

        return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
    }
}

/// <summary>
/// 6 x 2 vectors of Vector256 (6x8 doubles, 6x16 floats) for AVX2 machines, which have 16 ymm
/// registers: 12 accumulators + 2 B vectors + 1 broadcast = 15.
/// </summary>
internal readonly unsafe struct Vector256Kernel<T> : IMicroKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 6;

    public static int NR => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, T beta)
    {
        nint w = Vector256<T>.Count;
        TilePrefetch.Rows(c, ldc * sizeof(T), 6, 2 * w * sizeof(T));
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadAligned(b);
            var b1 = Vector256.LoadAligned(b + w);
            var x = Vector256.Create(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            a += 6;
            b += 2 * w;
        }

        var vb = Vector256.Create(beta);
        bool zero = beta == T.Zero;
        StoreRow(c, w, vb, zero, c00, c01); c += ldc;
        StoreRow(c, w, vb, zero, c10, c11); c += ldc;
        StoreRow(c, w, vb, zero, c20, c21); c += ldc;
        StoreRow(c, w, vb, zero, c30, c31); c += ldc;
        StoreRow(c, w, vb, zero, c40, c41); c += ldc;
        StoreRow(c, w, vb, zero, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, nint w, Vector256<T> beta, bool zero, Vector256<T> v0, Vector256<T> v1)
    {
        if (!zero)
        {
            v0 = Fma(beta, Vector256.Load(c), v0);
            v1 = Fma(beta, Vector256.Load(c + w), v1);
        }

        v0.Store(c);
        v1.Store(c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        }

        return Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
    }
}

/// <summary>A plain 4x4 kernel for machines without 256-bit vectors; correct first, the JIT does the rest.</summary>
internal readonly unsafe struct ScalarKernel<T> : IMicroKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 4;

    public static int NR => 4;

    public static void Run(nint kc, T* a, T* b, T* c, nint ldc, T beta)
    {
        var acc = stackalloc T[16];
        new Span<T>(acc, 16).Clear();
        for (nint p = 0; p < kc; p++, a += 4, b += 4)
        {
            for (int i = 0; i < 4; i++)
            {
                T x = a[i];
                acc[4 * i] += x * b[0];
                acc[4 * i + 1] += x * b[1];
                acc[4 * i + 2] += x * b[2];
                acc[4 * i + 3] += x * b[3];
            }
        }

        for (int i = 0; i < 4; i++, c += ldc)
        {
            for (int j = 0; j < 4; j++)
            {
                c[j] = beta == T.Zero ? acc[4 * i + j] : acc[4 * i + j] + beta * c[j];
            }
        }
    }
}

/// <summary>Prefetch shared by the vector kernels.</summary>
internal static unsafe class TilePrefetch
{
    /// <summary>
    /// Asks for the C tile's cache lines before the k loop: the tile is read (or written) only after the
    /// loop, and on a large matrix its rows are pages apart, so without this every kernel call ends in
    /// a cache miss per row that the k loop could have hidden.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows(void* tile, nint ldcBytes, int rows, nint rowBytes)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        byte* c = (byte*)tile;
        for (int i = 0; i < rows; i++, c += ldcBytes)
        {
            for (nint offset = 0; offset < rowBytes; offset += 64)
            {
                Sse.Prefetch0(c + offset);
            }

            Sse.Prefetch0(c + rowBytes - 1);
        }
    }
}
