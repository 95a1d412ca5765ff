using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parallax;

/// <summary>
/// A writable row-major matrix over memory someone else owns: rows, columns and a leading dimension
/// (the distance between the starts of two rows) over a <see cref="Span{T}"/>. What <see cref="Linalg"/>
/// writes products into, so that a result lands in a <c>T[,]</c>, a sub-matrix of a larger buffer, or an
/// engine variable that lies in shared memory a pull maps (<see cref="Engine.SetMatrix{T}"/>). A
/// <c>T[,]</c> converts to it implicitly, and it converts to a <see cref="ReadOnlyMatrixSpan{T}"/>.
/// </summary>
/// <remarks>
/// A matrix of an engine variable lasts while the variable holds it: once the variable is replaced or
/// removed and the call ends, every member throws <see cref="ObjectDisposedException"/>. A span taken
/// from it (<see cref="GetRow"/>, <see cref="TryGetSpan"/>) is valid until the end of the engine call it
/// was taken in.
/// </remarks>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct MatrixSpan<T>
{
    private readonly Span<T> elements;
    private readonly ViewLifetime? lifetime;

    /// <summary>Creates a view of <paramref name="rows"/> x <paramref name="columns"/> elements, row i starting at <c>i * leadingDimension</c>.</summary>
    /// <param name="elements">The elements; at least <c>(rows - 1) * leadingDimension + columns</c> of them when the matrix is not empty.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <param name="leadingDimension">The distance between the starts of two rows, at least <paramref name="columns"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or the leading dimension is smaller than the columns.</exception>
    /// <exception cref="ArgumentException">The span is too short for the shape.</exception>
    public MatrixSpan(Span<T> elements, int rows, int columns, int leadingDimension)
    {
        this.elements = elements[..MatrixShape.Needed(elements.Length, rows, columns, leadingDimension)];
        Rows = rows;
        Columns = columns;
        LeadingDimension = leadingDimension;
    }

    /// <summary>Creates a view of <paramref name="rows"/> x <paramref name="columns"/> contiguous elements.</summary>
    /// <param name="elements">The elements, row after row; at least <c>rows * columns</c> of them.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException">The span is too short for the shape.</exception>
    public MatrixSpan(Span<T> elements, int rows, int columns)
        : this(elements, rows, columns, Math.Max(1, columns))
    {
    }

    /// <summary>Creates a view of a 2-D array (empty for null).</summary>
    /// <param name="array">The array, or null.</param>
    public MatrixSpan(T[,]? array)
    {
        if (array is null)
        {
            LeadingDimension = 1;
            return;
        }

        Rows = array.GetLength(0);
        Columns = array.GetLength(1);
        LeadingDimension = Math.Max(1, Columns);
        elements = MatrixShape.Flat(array);
    }

    internal MatrixSpan(Span<T> elements, int rows, int columns, int leadingDimension, ViewLifetime? lifetime)
        : this(elements, rows, columns, leadingDimension) => this.lifetime = lifetime;

    /// <summary>Gets the number of rows.</summary>
    public int Rows { get; }

    /// <summary>Gets the number of columns.</summary>
    public int Columns { get; }

    /// <summary>Gets the distance between the starts of two rows, in elements (at least <see cref="Columns"/>).</summary>
    public int LeadingDimension { get; }

    /// <summary>Gets whether the matrix has no elements.</summary>
    public bool IsEmpty => Rows == 0 || Columns == 0;

    /// <summary>Gets a reference to the element at <paramref name="row"/>, <paramref name="column"/>.</summary>
    /// <param name="row">The row, from 0.</param>
    /// <param name="column">The column, from 0.</param>
    /// <exception cref="IndexOutOfRangeException">The position lies outside the matrix.</exception>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public ref T this[int row, int column]
    {
        get
        {
            lifetime?.ThrowIfRevoked();
            if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
            {
                throw new IndexOutOfRangeException($"[{row}, {column}] lies outside this {Rows}x{Columns} matrix.");
            }

            return ref Unsafe.Add(ref MemoryMarshal.GetReference(elements), ((nint)row * LeadingDimension) + column);
        }
    }

    /// <summary>Converts a 2-D array to a view of it.</summary>
    /// <param name="array">The array, or null for an empty view.</param>
    public static implicit operator MatrixSpan<T>(T[,]? array) => new(array);

    /// <summary>Converts to a read-only view of the same elements.</summary>
    /// <param name="matrix">The matrix.</param>
    public static implicit operator ReadOnlyMatrixSpan<T>(MatrixSpan<T> matrix) =>
        new(matrix.elements, matrix.Rows, matrix.Columns, matrix.LeadingDimension, matrix.lifetime);

    /// <summary>Gets row <paramref name="row"/>'s elements.</summary>
    /// <param name="row">The row, from 0.</param>
    /// <returns>The row's <see cref="Columns"/> elements.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The row lies outside the matrix.</exception>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public Span<T> GetRow(int row)
    {
        lifetime?.ThrowIfRevoked();
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        return elements.Slice(row * LeadingDimension, Columns);
    }

    /// <summary>Gets every element as one span when the rows are contiguous (no gap between them), for kernels over all elements.</summary>
    /// <param name="span">The <c>Rows * Columns</c> elements, row after row; empty when this returns false.</param>
    /// <returns>Whether the rows are contiguous.</returns>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public bool TryGetSpan(out Span<T> span)
    {
        lifetime?.ThrowIfRevoked();
        var contiguous = LeadingDimension == Columns || Rows <= 1;
        span = contiguous ? elements[..(Rows * Columns)] : default;
        return contiguous;
    }

    /// <summary>Gets the sub-matrix of <paramref name="rows"/> x <paramref name="columns"/> elements starting at <paramref name="row"/>, <paramref name="column"/>, without a copy.</summary>
    /// <param name="row">The first row.</param>
    /// <param name="column">The first column.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <returns>The sub-matrix, with this matrix's leading dimension.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The sub-matrix does not lie inside this one.</exception>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public MatrixSpan<T> Slice(int row, int column, int rows, int columns)
    {
        lifetime?.ThrowIfRevoked();
        MatrixShape.CheckSlice(Rows, Columns, row, column, rows, columns);
        return rows == 0 || columns == 0
            ? new MatrixSpan<T>(default, rows, columns, LeadingDimension, lifetime)
            : new MatrixSpan<T>(elements[((row * LeadingDimension) + column)..], rows, columns, LeadingDimension, lifetime);
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, a matrix of the same shape.</summary>
    /// <param name="destination">Where to copy; must not overlap this matrix.</param>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ObjectDisposedException">Either matrix's engine variable no longer holds its value.</exception>
    public void CopyTo(MatrixSpan<T> destination) => ((ReadOnlyMatrixSpan<T>)this).CopyTo(destination);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    /// <param name="value">The value.</param>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public void Fill(T value)
    {
        using var scope = Enter();
        for (var i = 0; i < Rows; i++)
        {
            elements.Slice(i * LeadingDimension, Columns).Fill(value);
        }
    }

    /// <summary>Copies the elements into a new 2-D array.</summary>
    /// <returns>A new <c>Rows x Columns</c> array.</returns>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    public T[,] ToArray() => ((ReadOnlyMatrixSpan<T>)this).ToArray();

    /// <summary>Describes the matrix: its element type and shape.</summary>
    /// <returns>For example <c>Parallax.MatrixSpan&lt;Double&gt;[5000, 5000]</c>.</returns>
    public override string ToString() => $"Parallax.MatrixSpan<{typeof(T).Name}>[{Rows}, {Columns}]";

    /// <summary>The elements, for <see cref="Linalg"/>, which holds the memory through <see cref="Enter"/> while it writes.</summary>
    internal Span<T> Elements => elements;

    /// <summary>Holds the memory for an operation (a product): revoking it meanwhile defers its release to the end of the scope.</summary>
    /// <exception cref="ObjectDisposedException">The matrix's engine variable no longer holds it.</exception>
    internal ViewLifetime.Scope Enter() => lifetime?.Enter() ?? default;
}
