using System.Numerics;
using System.Runtime.Intrinsics;

namespace Parallax;

/// <summary>
/// Picks the micro-kernel for this CPU (a JIT-time constant, so the others are never compiled in) and
/// splits C into independent rectangles, one per thread: each thread packs its own panels, so the
/// threads never wait on each other inside a GEMM.
/// </summary>
internal static unsafe class GemmDispatch<T> where T : unmanaged, INumber<T>
{
    /// <summary>Below this many flops per thread a second thread costs more to wake than it saves.</summary>
    private const double MinFlopsPerThread = 4e6;

    [ThreadStatic]
    private static bool insideWorker;

    /// <summary>C (m x n, row stride ldc) = alpha·A·B + beta·C, with A and B already oriented (transposes folded into strides).</summary>
    public static void Run(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta, T* c, nint ldc, int maxThreads)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            Split<Vector512Kernel<T>>(m, n, k, alpha, a, b, beta, c, ldc, maxThreads);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Split<Vector256Kernel<T>>(m, n, k, alpha, a, b, beta, c, ldc, maxThreads);
        }
        else
        {
            Split<ScalarKernel<T>>(m, n, k, alpha, a, b, beta, c, ldc, maxThreads);
        }
    }

    /// <summary>The micro-kernel family this process uses, for benchmarks and diagnostics.</summary>
    public static string KernelName =>
        Vector512.IsHardwareAccelerated ? $"Vector512 {Vector512Kernel<T>.MR}x{Vector512Kernel<T>.NR}"
        : Vector256.IsHardwareAccelerated ? $"Vector256 {Vector256Kernel<T>.MR}x{Vector256Kernel<T>.NR}"
        : $"scalar {ScalarKernel<T>.MR}x{ScalarKernel<T>.NR}";

    private static void Split<TKernel>(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta, T* c, nint ldc, int maxThreads)
        where TKernel : struct, IMicroKernel<T>
    {
        double flops = 2.0 * m * n * k;
        int threads = insideWorker ? 1 : (int)Math.Clamp(flops / MinFlopsPerThread, 1, maxThreads);

        // Split the longer side of C, in whole tiles, so every thread gets full-width kernels.
        bool byRows = m >= n;
        int tile = byRows ? TKernel.MR : TKernel.NR;
        int tiles = ((byRows ? m : n) + tile - 1) / tile;
        threads = Math.Min(threads, tiles);
        if (threads <= 1)
        {
            GemmDriver<T, TKernel>.Run(m, n, k, alpha, a, b, beta, c, ldc);
            return;
        }

        var job = new SplitJob(m, n, k, alpha, a, b, beta, c, ldc, byRows, tile, tiles, threads);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, job.Run<TKernel>);
    }

    /// <summary>C = beta·C; beta == 0 clears C without reading it (BLAS: NaN in C must not survive).</summary>
    private static void ScaleC(int m, int n, T beta, T* c, nint ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + i * ldc, n);
            if (beta == T.Zero)
            {
                row.Clear();
            }
            else if (beta != T.One)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] *= beta;
                }
            }
        }
    }

    /// <summary>One thread's share: a band of whole tiles along the split side of C.</summary>
    private sealed class SplitJob(int m, int n, int k, T alpha, StridedMatrix<T> a, StridedMatrix<T> b, T beta, T* c, nint ldc, bool byRows, int tile, int tiles, int threads)
    {
        public void Run<TKernel>(int part) where TKernel : struct, IMicroKernel<T>
        {
            int first = (int)((long)tiles * part / threads) * tile;
            int last = Math.Min((int)((long)tiles * (part + 1) / threads) * tile, byRows ? m : n);
            if (last <= first)
            {
                return;
            }

            insideWorker = true;
            try
            {
                if (byRows)
                {
                    GemmDriver<T, TKernel>.Run(last - first, n, k, alpha, a.At(first, 0), b, beta, c + first * ldc, ldc);
                }
                else
                {
                    GemmDriver<T, TKernel>.Run(m, last - first, k, alpha, a, b.At(0, first), beta, c + first, ldc);
                }
            }
            finally
            {
                insideWorker = false;
            }
        }
    }
}
