using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parallax;

/// <summary>The shape rules of row-major matrices over spans, shared by <see cref="ReadOnlyMatrixSpan{T}"/>, <see cref="MatrixSpan{T}"/> and <see cref="LinalgCore{T}"/>.</summary>
internal static class MatrixShape
{
    /// <summary>How many elements a <paramref name="rows"/> x <paramref name="columns"/> matrix with this leading dimension spans, checked against what <paramref name="available"/>.</summary>
    public static int Needed(int available, int rows, int columns, int leadingDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (leadingDimension < Math.Max(1, columns))
        {
            throw new ArgumentOutOfRangeException(nameof(leadingDimension), leadingDimension, $"A row-major {rows}x{columns} matrix needs a leading dimension of at least {Math.Max(1, columns)}.");
        }

        var needed = rows == 0 || columns == 0 ? 0 : ((long)(rows - 1) * leadingDimension) + columns;
        return needed <= available
            ? (int)needed
            : throw new ArgumentException($"A {rows}x{columns} matrix with leading dimension {leadingDimension} needs {needed} elements, but the span has {available}.", "elements");
    }

    /// <summary>Throws unless the sub-matrix lies inside a <paramref name="rows"/> x <paramref name="columns"/> one.</summary>
    public static void CheckSlice(int rows, int columns, int row, int column, int sliceRows, int sliceColumns)
    {
        if (row < 0 || column < 0 || sliceRows < 0 || sliceColumns < 0 || (long)row + sliceRows > rows || (long)column + sliceColumns > columns)
        {
            throw new ArgumentOutOfRangeException(nameof(row), $"A {sliceRows}x{sliceColumns} sub-matrix at [{row}, {column}] does not lie inside this {rows}x{columns} matrix.");
        }
    }

    /// <summary>A 2-D array's elements in row-major order, which is how .NET lays them out.</summary>
    public static Span<T> Flat<T>(T[,] array) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(array)), array.Length);
}
