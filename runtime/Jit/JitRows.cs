using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parallax.CompilerServices;

/// <summary>
/// Rows of rectangular arrays as spans, for kernels generated from nested loops over <c>T[,]</c> and
/// <c>T[,,]</c>. A rectangular array keeps its elements row after row in one block, so the innermost
/// loop of <c>for i … for j … a[i + c, j + d]</c> reads a contiguous run: the kernel runs its 1-D
/// loop on that run, and outer loops only choose which run. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitRows
{
    /// <summary>Every element of <paramref name="array"/>, row after row.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="array">The array.</param>
    /// <returns>A span of <c>array.Length</c> elements over the array's memory.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    public static Span<T> Flat<T>(T[,] array)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        return MemoryMarshal.CreateSpan(ref Data<T>(array), array.Length);
    }

    /// <inheritdoc cref="Flat{T}(T[,])"/>
    public static Span<T> Flat<T>(T[,,] array)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        return MemoryMarshal.CreateSpan(ref Data<T>(array), array.Length);
    }

    /// <summary>
    /// The <paramref name="count"/> elements <c>array[row, column]</c> to <c>array[row, column + count - 1]</c>.
    /// Checked against the array's bounds (a few comparisons per row, against a row's worth of work),
    /// so a wrong call from generated code throws instead of reading another row's or object's memory.
    /// </summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="array">The array.</param>
    /// <param name="row">Index in dimension 0.</param>
    /// <param name="column">First index in dimension 1.</param>
    /// <param name="count">Number of elements; 0 gives an empty span whatever the indices (a loop that does not run reads nothing).</param>
    /// <returns>The row's elements, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The run is not inside the array's bounds.</exception>
    public static Span<T> Row<T>(T[,] array, int row, int column, int count)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        if (count == 0)
        {
            return Span<T>.Empty;
        }

        int rows = array.GetLength(0), columns = array.GetLength(1);
        if ((uint)row >= (uint)rows)
        {
            throw OutOfRange(nameof(row), row, $"[0, {rows})");
        }

        if ((uint)column > (uint)columns || (uint)count > (uint)(columns - column))
        {
            throw OutOfRange(nameof(count), count, $"columns {column} to {(long)column + count - 1} of {columns}");
        }

        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref Data<T>(array), (nint)row * columns + column), count);
    }

    /// <summary>The <paramref name="count"/> elements <c>array[plane, row, column]</c> onwards along the last dimension.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="array">The array.</param>
    /// <param name="plane">Index in dimension 0.</param>
    /// <param name="row">Index in dimension 1.</param>
    /// <param name="column">First index in dimension 2.</param>
    /// <param name="count">Number of elements; 0 gives an empty span.</param>
    /// <returns>The elements, in order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The run is not inside the array's bounds.</exception>
    public static Span<T> Row<T>(T[,,] array, int plane, int row, int column, int count)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(array);
        if (count == 0)
        {
            return Span<T>.Empty;
        }

        int planes = array.GetLength(0), rows = array.GetLength(1), columns = array.GetLength(2);
        if ((uint)plane >= (uint)planes || (uint)row >= (uint)rows)
        {
            throw OutOfRange(nameof(row), row, $"plane {plane} of [0, {planes}), row of [0, {rows})");
        }

        if ((uint)column > (uint)columns || (uint)count > (uint)(columns - column))
        {
            throw OutOfRange(nameof(count), count, $"columns {column} to {(long)column + count - 1} of {columns}");
        }

        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref Data<T>(array), ((nint)plane * rows + row) * columns + column), count);
    }

    private static ref T Data<T>(Array array) => ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(array));

    private static ArgumentOutOfRangeException OutOfRange(string name, int value, string range) =>
        new(name, value, $"The run lies outside the array ({range}); the kernel's bounds were checked before it ran, so this is a bug in the generated code: please report it.");
}
