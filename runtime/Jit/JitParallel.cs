using System.ComponentModel;

namespace Parallax.CompilerServices;

/// <summary>
/// Splits a kernel's range over the cores for <see cref="JitAttribute.Parallel"/>, like Numba's
/// <c>prange</c>. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitParallel
{
    /// <summary>
    /// Elements below which a chunk is not worth a thread hop: starting a work item costs a few
    /// microseconds, which 32K elements of even the cheapest kernel (an add) outweigh.
    /// </summary>
    internal const int MinimumChunk = 32 * 1024;

    /// <summary>Chunk boundaries are multiples of this many elements, so chunks never share a cache line.</summary>
    internal const int Alignment = 64;

    /// <summary>
    /// How many chunks to split <paramref name="length"/> elements into: one when the input is small,
    /// otherwise up to four per core, so a core slowed by other work does not hold up the rest.
    /// </summary>
    /// <param name="length">Number of elements in the loop's range.</param>
    /// <returns>At least 1.</returns>
    public static int ChunkCount(int length)
    {
        int bySize = length / MinimumChunk;
        return Math.Max(1, Math.Min(bySize, Environment.ProcessorCount * 4));
    }

    /// <summary>
    /// Runs <paramref name="body"/> once per chunk of <c>[0, length)</c>, in parallel, and returns when
    /// all chunks are done. Chunk <c>c</c> gets a contiguous range; ranges are in ascending order.
    /// </summary>
    /// <param name="length">Number of elements in the loop's range.</param>
    /// <param name="chunks">Number of chunks, from <see cref="ChunkCount"/>.</param>
    /// <param name="body">Called as <c>body(chunk, start, count)</c>.</param>
    public static void For(int length, int chunks, Action<int, int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (chunks <= 1)
        {
            body(0, 0, length);
            return;
        }

        int per = (length / chunks + Alignment - 1) / Alignment * Alignment;
        Parallel.For(0, chunks, chunk =>
        {
            int start = Math.Min(length, chunk * per);
            int end = chunk == chunks - 1 ? length : Math.Min(length, start + per);
            body(chunk, start, end - start);
        });
    }
}
