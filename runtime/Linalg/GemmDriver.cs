using System.Numerics;
using System.Runtime.CompilerServices;

namespace Parallax;

/// <summary>
/// A strided view of a matrix: element (i, j) is at <c>Pointer[i * RowStride + j * ColumnStride]</c>.
/// A transpose is the same memory with the two strides swapped, so packing handles both.
/// </summary>
internal readonly unsafe struct StridedMatrix<T>(T* pointer, nint rowStride, nint columnStride) where T : unmanaged
{
    public readonly T* Pointer = pointer;
    public readonly nint RowStride = rowStride;
    public readonly nint ColumnStride = columnStride;

    public StridedMatrix<T> At(nint row, nint column) => new(Pointer + row * RowStride + column * ColumnStride, RowStride, ColumnStride);
}

/// <summary>
/// The cache blocking (BLIS's five loops, mirrored for row-major C: A is the broadcast operand, B the
/// vector operand), sized for Zen 5 (48 KiB L1d, 1 MiB L2 per core) and fine on Intel's AVX-512 parts.
/// docs/linalg.md explains the figures.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Depth of one pass, in bytes of a packed row: an A micro-panel (8 x 256 doubles = 16 KiB) stays in L1.</summary>
    public const int KcBytes = 2048;

    /// <summary>The packed B block (KC x NC: 256 x 240 doubles = 480 KiB) stays in L2 while every A micro-panel passes it.</summary>
    public const int BBlockBytes = 512 * 1024;

    /// <summary>At most this many rows of A are packed at once (4 MiB of doubles, L3): each B block is repacked once per MC rows.</summary>
    public const int McMax = 2048;
}

/// <summary>
/// One thread's GEMM on its own rectangle of C: C = alpha·A·B + beta·C. Loops, outer to inner:
/// MC rows of A (packed once, alpha folded in), KC of the depth, NC columns of B (packed into L2),
/// MR rows, NR columns → <typeparamref name="TKernel"/>. Packed panels are padded with zeros to whole
/// MR/NR tiles so the kernel has no edge case; partial tiles go through a small scratch tile.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IMicroKernel<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier 0, whose first call would run unoptimized for seconds
    public static void Run(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta, T* c, nint ldc)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int kcMax = Math.Max(16, GemmBlocking.KcBytes / sizeof(T));
        int ncMax = Math.Max(nr, GemmBlocking.BBlockBytes / (kcMax * sizeof(T)) / nr * nr);
        // Equal row blocks, so a 2500-row slice is 2 x 1256 rather than 2048 + 452.
        int rowBlocks = Math.Max(1, (m + GemmBlocking.McMax - 1) / GemmBlocking.McMax);
        int mcMax = RoundUp((m + rowBlocks - 1) / rowBlocks, mr);
        var ws = GemmWorkspace<T>.ForCurrentThread(RoundUp(Math.Min(mcMax, m), mr) * kcMax, kcMax * RoundUp(Math.Min(ncMax, n), nr), mr * nr);
        T* packedA = ws.A, packedB = ws.B, tile = ws.Tile;

        for (int ic = 0; ic < m; ic += mcMax)
        {
            int mc = Math.Min(mcMax, m - ic);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                PackA(mc, kc, a.At(ic, pc), alpha, packedA);
                T passBeta = pc == 0 ? beta : T.One;
                for (int jc = 0; jc < n; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, n - jc);
                    PackB(kc, nc, b.At(pc, jc), packedB);
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        T* ap = packedA + (nint)ir * kc;
                        T* cRow = c + (ic + ir) * ldc + jc;
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            T* bp = packedB + (nint)jr * kc;
                            if (rows == mr && cols == nr)
                            {
                                TKernel.Run(kc, ap, bp, cRow + jr, ldc, passBeta);
                            }
                            else
                            {
                                TKernel.Run(kc, ap, bp, tile, nr, T.Zero);
                                MergeTile(tile, nr, rows, cols, cRow + jr, ldc, passBeta);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Writes the valid rows x cols corner of a scratch tile into C, honouring beta == 0 as "do not read C".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier 0, whose first call would run unoptimized for seconds
    private static void MergeTile(T* tile, int nr, int rows, int cols, T* c, nint ldc, T beta)
    {
        for (int i = 0; i < rows; i++, c += ldc, tile += nr)
        {
            for (int j = 0; j < cols; j++)
            {
                c[j] = beta == T.Zero ? tile[j] : tile[j] + beta * c[j];
            }
        }
    }

    /// <summary>Packs mc x kc of A as micro-panels of MR rows, k-major (MR values per k), times alpha, rows past mc zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier 0, whose first call would run unoptimized for seconds
    private static void PackA(int mc, int kc, StridedMatrix<T> a, T alpha, T* dst)
    {
        int mr = TKernel.MR;
        bool scale = alpha != T.One;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* src = a.Pointer + ir * a.RowStride;
            for (int r = 0; r < rows; r++)
            {
                T* s = src + r * a.RowStride;
                T* d = dst + r;
                for (int p = 0; p < kc; p++, s += a.ColumnStride, d += mr)
                {
                    *d = scale ? alpha * *s : *s;
                }
            }

            for (int r = rows; r < mr; r++)
            {
                T* d = dst + r;
                for (int p = 0; p < kc; p++, d += mr)
                {
                    *d = T.Zero;
                }
            }

            dst += (nint)mr * kc;
        }
    }

    /// <summary>Packs kc x nc of B as micro-panels of NR columns, k-major (NR values per k), columns past nc zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip tier 0, whose first call would run unoptimized for seconds
    private static void PackB(int kc, int nc, StridedMatrix<T> b, T* dst)
    {
        int nr = TKernel.NR;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* src = b.Pointer + jr * b.ColumnStride;
            if (b.ColumnStride == 1)
            {
                // Row-major B: each k contributes a contiguous run of NR values.
                nint bytes = cols * sizeof(T);
                for (int p = 0; p < kc; p++)
                {
                    T* d = dst + (nint)p * nr;
                    Buffer.MemoryCopy(src + p * b.RowStride, d, bytes, bytes);
                    for (int j = cols; j < nr; j++)
                    {
                        d[j] = T.Zero;
                    }
                }
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    T* d = dst + j;
                    if (j < cols)
                    {
                        T* s = src + j * b.ColumnStride;
                        for (int p = 0; p < kc; p++, s += b.RowStride, d += nr)
                        {
                            *d = *s;
                        }
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++, d += nr)
                        {
                            *d = T.Zero;
                        }
                    }
                }
            }

            dst += (nint)nr * kc;
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}

/// <summary>
/// Per-thread packing buffers, 64-byte aligned inside pinned arrays: grown on demand, then reused, so
/// a steady stream of GEMMs allocates nothing; the GC reclaims them with the thread.
/// </summary>
internal sealed unsafe class GemmWorkspace<T> where T : unmanaged
{
    [ThreadStatic]
    private static GemmWorkspace<T>? current;

    private T[] storage = [];
    private int aLength, bLength, tileLength;

    public T* A { get; private set; }

    public T* B { get; private set; }

    public T* Tile { get; private set; }

    public static GemmWorkspace<T> ForCurrentThread(int aLength, int bLength, int tileLength)
    {
        var ws = current ??= new GemmWorkspace<T>();
        if (aLength > ws.aLength || bLength > ws.bLength || tileLength > ws.tileLength)
        {
            ws.Grow(Math.Max(aLength, ws.aLength), Math.Max(bLength, ws.bLength), Math.Max(tileLength, ws.tileLength));
        }

        return ws;
    }

    private void Grow(int a, int b, int tile)
    {
        int align = 64 / sizeof(T);
        a = (a + align - 1) / align * align;
        b = (b + align - 1) / align * align;
        tile = (tile + align - 1) / align * align;
        storage = GC.AllocateUninitializedArray<T>(a + b + tile + align, pinned: true);
        T* start = (T*)Unsafe.AsPointer(ref storage[0]);
        start = (T*)(((nint)start + 63) & ~(nint)63);
        A = start;
        B = start + a;
        Tile = start + a + b;
        (aLength, bLength, tileLength) = (a, b, tile);
    }
}
