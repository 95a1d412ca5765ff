using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Parallax.CompilerServices;

/// <summary>
/// Argument checks that kernels generated for <see cref="JitAttribute"/> and
/// <see cref="VectorizeAttribute"/> run before their first element. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitGuard
{
    /// <summary>Throws when an array or span the loop indexes is not as long as the loop bound.</summary>
    /// <param name="length">The loop bound: the length of <paramref name="boundName"/>.</param>
    /// <param name="actual">The length of <paramref name="name"/>.</param>
    /// <param name="boundName">The parameter or local whose length bounds the loop.</param>
    /// <param name="name">The parameter being checked.</param>
    /// <exception cref="ArgumentException"><paramref name="actual"/> differs from <paramref name="length"/>.</exception>
    public static void SameLength(int length, int actual, string boundName, string name)
    {
        if (actual != length)
        {
            throw new ArgumentException(
                $"'{name}' has {actual} elements but '{boundName}' has {length}; the kernel reads both at every index, so pass arrays or spans of the same length.",
                name);
        }
    }

    /// <summary>
    /// Throws when an array the loop reads at an offset (<c>x[i + 1]</c>) is too short for the loop's
    /// last iteration. Nothing is checked when the loop does not run.
    /// </summary>
    /// <param name="length">The loop bound: the length of <paramref name="boundName"/>.</param>
    /// <param name="start">The loop's first index.</param>
    /// <param name="reach">The largest offset at which the loop reads <paramref name="name"/> (0 for <c>x[i]</c>).</param>
    /// <param name="actual">The length of <paramref name="name"/>.</param>
    /// <param name="boundName">The parameter or local whose length bounds the loop.</param>
    /// <param name="name">The parameter being checked.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> has fewer than <paramref name="length"/> + <paramref name="reach"/> elements.</exception>
    public static void Reaches(int length, int start, int reach, int actual, string boundName, string name)
    {
        if (length > start && (long)length + reach > actual)
        {
            throw new ArgumentException(
                $"'{name}' has {actual} elements but the loop reads it up to index {(long)length - 1 + reach} ('{boundName}' has {length}, offset {reach}); pass at least {(long)length + reach} elements.",
                name);
        }
    }

    /// <summary>
    /// Throws when <paramref name="destination"/> overlaps <paramref name="source"/> anywhere but at
    /// the same index: the same memory with the same element size (an in-place call) or disjoint
    /// memory is fine; a shifted view is not, because a vector would read elements an earlier vector
    /// already overwrote, and neither are spans of different element sizes over the same bytes,
    /// whose element i is not each other's (a float span and a double span cast from it).
    /// </summary>
    /// <typeparam name="TDestination">Element type of the destination.</typeparam>
    /// <typeparam name="TSource">Element type of the source.</typeparam>
    /// <param name="destination">The span the kernel writes.</param>
    /// <param name="source">A span the kernel reads.</param>
    /// <param name="destinationName">Parameter name of <paramref name="destination"/>.</param>
    /// <param name="sourceName">Parameter name of <paramref name="source"/>.</param>
    /// <exception cref="ArgumentException">The spans overlap, other than element for element.</exception>
    public static unsafe void SameOrDisjoint<TDestination, TSource>(ReadOnlySpan<TDestination> destination, ReadOnlySpan<TSource> source, string destinationName, string sourceName)
        where TDestination : unmanaged
        where TSource : unmanaged
    {
        var d = MemoryMarshal.AsBytes(destination);
        var s = MemoryMarshal.AsBytes(source);
        if (!d.Overlaps(s, out int offset))
        {
            return;
        }

        if (sizeof(TDestination) != sizeof(TSource))
        {
            throw new ArgumentException(
                $"'{destinationName}' ({sizeof(TDestination)}-byte elements) overlaps '{sourceName}' ({sizeof(TSource)}-byte elements): element i of one is not element i of the other, so a SIMD kernel would read values the scalar loop had already overwritten. Pass a separate buffer.",
                destinationName);
        }

        if (offset != 0)
        {
            throw new ArgumentException(
                $"'{destinationName}' overlaps '{sourceName}' shifted by {offset} bytes; a SIMD kernel would read values it already overwrote. Pass the same span (in place) or a separate buffer.",
                destinationName);
        }
    }

    /// <summary>
    /// Throws when a nest of loops would index <paramref name="name"/> outside dimension
    /// <paramref name="dimension"/>: the index runs from <paramref name="first"/> to
    /// <paramref name="end"/> - 1, plus <paramref name="offset"/>. Called only when every loop of the
    /// nest runs, so a loop that does not run reads nothing, as in the scalar code.
    /// </summary>
    /// <param name="first">The loop's first value (or the constant index).</param>
    /// <param name="end">One past the loop's last value (first + 1 for a constant index).</param>
    /// <param name="offset">The constant added to the loop variable in the index.</param>
    /// <param name="length">The array's length in that dimension.</param>
    /// <param name="name">The array.</param>
    /// <param name="dimension">The dimension, 0 first.</param>
    /// <exception cref="ArgumentException">The index leaves [0, <paramref name="length"/>).</exception>
    public static void Covers(int first, int end, int offset, int length, string name, int dimension)
    {
        long low = (long)first + offset, high = (long)end - 1 + offset;
        if (low < 0 || high >= length)
        {
            throw new ArgumentException(
                $"The loops index '{name}' from {low} to {high} in dimension {dimension}, which has {length} elements; pass an array that covers the loops' range, or bound the loops by its GetLength({dimension}).",
                name);
        }
    }

    /// <summary>
    /// Throws when the array a nest writes is the same array as one it reads at another index (a
    /// stencil in place): the scalar loop would read elements it wrote a row or a column earlier,
    /// which a vector kernel, reading a whole block before writing it, does not.
    /// </summary>
    /// <param name="destination">The array the loops write.</param>
    /// <param name="source">An array the loops read at an offset.</param>
    /// <param name="destinationName">Parameter name of <paramref name="destination"/>.</param>
    /// <param name="sourceName">Parameter name of <paramref name="source"/>.</param>
    /// <exception cref="ArgumentException">Both are the same array.</exception>
    public static void NotSame(Array destination, Array source, string destinationName, string sourceName)
    {
        if (ReferenceEquals(destination, source))
        {
            throw new ArgumentException(
                $"'{destinationName}' and '{sourceName}' are the same array, which the loops read at other indices than they write; a SIMD kernel would read values the scalar loop had already overwritten. Pass a separate destination.",
                destinationName);
        }
    }

    /// <summary>
    /// Throws when <paramref name="written"/> and <paramref name="read"/> share any memory: the loop
    /// reads <paramref name="read"/> after it writes <paramref name="written"/>, so the scalar loop
    /// would see the values it just wrote, where a SIMD kernel reads a whole step before it stores.
    /// </summary>
    /// <typeparam name="TWritten">Element type of <paramref name="written"/>.</typeparam>
    /// <typeparam name="TRead">Element type of <paramref name="read"/>.</typeparam>
    /// <param name="written">The array or span the loop writes first.</param>
    /// <param name="read">The array or span the loop reads after that write.</param>
    /// <param name="writtenName">Parameter name of <paramref name="written"/>.</param>
    /// <param name="readName">Parameter name of <paramref name="read"/>.</param>
    /// <exception cref="ArgumentException">The two overlap.</exception>
    public static void Disjoint<TWritten, TRead>(ReadOnlySpan<TWritten> written, ReadOnlySpan<TRead> read, string writtenName, string readName)
        where TWritten : unmanaged
        where TRead : unmanaged
    {
        if (MemoryMarshal.AsBytes(written).Overlaps(MemoryMarshal.AsBytes(read)))
        {
            throw new ArgumentException(
                $"'{writtenName}' and '{readName}' share memory, and the loop reads '{readName}' after it writes '{writtenName}': the scalar loop would read the new values, a SIMD kernel the old ones. Pass separate buffers.",
                writtenName);
        }
    }
}
