using System.ComponentModel;
using System.Runtime.ExceptionServices;

namespace Parallax.CompilerServices;

/// <summary>
/// Splits the outermost loop of a nested [Jit] loop (its rows) over the cores for
/// <see cref="JitAttribute.Parallel"/>, like Numba's <c>prange</c> on the outer loop. Each chunk is a
/// run of whole rows; there are several chunks per core and the thread pool hands them out as cores
/// free up, because rows may cost very different amounts (Mandelbrot's rows inside the set iterate
/// to the limit, the rows outside escape at once). Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitParallelRows
{
    /// <summary>Chunks per core at most: enough for uneven rows to even out, few enough that each chunk outweighs a work item's cost.</summary>
    internal const int ChunksPerCore = 8;

    /// <summary>
    /// How many chunks to split <paramref name="rows"/> rows into: one when the work is small, otherwise
    /// up to <see cref="ChunksPerCore"/> per core, never more than one per row.
    /// </summary>
    /// <param name="rows">Number of rows (iterations of the outermost loop); 0 or less runs nothing.</param>
    /// <param name="elementsPerRow">Iterations of the inner loops per row.</param>
    /// <param name="minimumElements">
    /// Elements a chunk needs to be worth a thread hop: 32K (the 1-D kernels' minimum chunk) for a
    /// straight-line body, fewer for a body with a loop of its own, whose elements each cost much more.
    /// </param>
    /// <returns>At least 1.</returns>
    public static int ChunkCount(int rows, long elementsPerRow, int minimumElements)
    {
        if (rows <= 1)
        {
            return 1;
        }

        long bySize = Math.Max(0, elementsPerRow) * rows / Math.Max(1, minimumElements);
        return (int)Math.Max(1, Math.Min(Math.Min(bySize, rows), (long)Environment.ProcessorCount * ChunksPerCore));
    }

    /// <summary>
    /// Runs <paramref name="body"/> once per chunk of rows <c>[0, rows)</c>, in parallel, and returns when
    /// every chunk is done. Chunk <c>c</c> gets a contiguous run of rows; runs are in ascending order and
    /// differ in size by at most one row, so per-chunk partial results combine in a fixed order.
    /// </summary>
    /// <param name="rows">Number of rows; 0 or less runs nothing.</param>
    /// <param name="chunks">Number of chunks, from <see cref="ChunkCount"/>.</param>
    /// <param name="body">Called as <c>body(chunk, firstRow, rowCount)</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="body"/> is null.</exception>
    /// <remarks>
    /// When chunks throw (an integer division by zero in the kernel), every chunk still runs to its end
    /// and the exception of the lowest chunk is rethrown as itself, not wrapped: the one the scalar loop,
    /// running rows in order, would have met first among them.
    /// </remarks>
    public static void For(int rows, int chunks, Action<int, int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (rows <= 0)
        {
            return;
        }

        chunks = Math.Clamp(chunks, 1, rows);
        if (chunks == 1)
        {
            body(0, 0, rows);
            return;
        }

        int per = rows / chunks, extra = rows % chunks;
        var failures = new Exception?[chunks];
        System.Threading.Tasks.Parallel.For(0, chunks, chunk =>
        {
            int first = chunk * per + Math.Min(chunk, extra);
            try
            {
                body(chunk, first, per + (chunk < extra ? 1 : 0));
            }
            catch (Exception e)
            {
                failures[chunk] = e;
            }
        });

        foreach (var failure in failures)
        {
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }
}
