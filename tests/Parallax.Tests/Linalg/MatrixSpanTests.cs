using System.Runtime.InteropServices;

namespace Parallax.Tests.Linalg;

using Linalg = Parallax.Linalg;

/// <summary>
/// The matrix views Linalg reads and writes through: a product over views (of arrays, of sub-matrices
/// with a leading dimension larger than the columns) is bitwise the product over the same values as
/// arrays, the views check their shapes, and one whose memory was withdrawn refuses every access
/// while a product already reading it keeps the memory until it finishes.
/// </summary>
public class MatrixSpanTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(37, 53, 29)]
    [InlineData(200, 150, 170)]
    public void A_product_over_views_is_bitwise_the_product_over_arrays(int m, int k, int n)
    {
        var a = Matrix(m, k, 1);
        var b = Matrix(k, n, 2);
        var expected = Linalg.Dot(a, b);

        // The same values inside larger buffers: 3 columns of padding per row, offset by a row and a column.
        const int pad = 3;
        var aBuffer = Embed(a, pad, out var lda);
        var bBuffer = Embed(b, pad, out var ldb);
        var aView = new ReadOnlyMatrixSpan<double>(aBuffer, m + 1, k + pad, lda).Slice(1, 1, m, k);
        var bView = new ReadOnlyMatrixSpan<double>(bBuffer, k + 1, n + pad, ldb).Slice(1, 1, k, n);
        Assert.Equal(lda, aView.LeadingDimension);

        Assert.Equal(Bytes(expected), Bytes(Linalg.Dot(aView, bView)));
        Assert.Equal(Bytes(expected), Bytes(Linalg.Dot((ReadOnlyMatrixSpan<double>)a, b)));

        // Into an existing matrix, itself a sub-matrix with a leading dimension of its own: only its window is written.
        var cBuffer = new double[(m + 2) * (n + 5)];
        Array.Fill(cBuffer, double.NaN);
        var cView = new MatrixSpan<double>(cBuffer, m + 2, n + 5).Slice(1, 2, m, n);
        Linalg.Dot(aView, bView, cView);
        Assert.Equal(Bytes(expected), Bytes(cView.ToArray()));
        Assert.Equal((m + 2) * (n + 5) - (m * n), cBuffer.Count(double.IsNaN));
    }

    [Theory]
    [InlineData(Transpose.None, Transpose.None)]
    [InlineData(Transpose.Transposed, Transpose.None)]
    [InlineData(Transpose.None, Transpose.Transposed)]
    [InlineData(Transpose.Transposed, Transpose.Transposed)]
    public void Gemm_over_views_is_bitwise_Gemm_over_arrays(Transpose ta, Transpose tb)
    {
        const int m = 70, n = 90, k = 50;
        var a = ta == Transpose.None ? Matrix(m, k, 3) : Matrix(k, m, 3);
        var b = tb == Transpose.None ? Matrix(k, n, 4) : Matrix(n, k, 4);
        var c0 = Matrix(m, n, 5);
        var expected = (double[,])c0.Clone();
        Linalg.Gemm(0.5, a, ta, b, tb, -2.0, expected);

        var aBuffer = Embed(a, 2, out var lda);
        var bBuffer = Embed(b, 2, out var ldb);
        var c = (double[,])c0.Clone();
        Linalg.Gemm(
            0.5,
            new ReadOnlyMatrixSpan<double>(aBuffer, a.GetLength(0) + 1, a.GetLength(1) + 2, lda).Slice(1, 1, a.GetLength(0), a.GetLength(1)),
            ta,
            new ReadOnlyMatrixSpan<double>(bBuffer, b.GetLength(0) + 1, b.GetLength(1) + 2, ldb).Slice(1, 1, b.GetLength(0), b.GetLength(1)),
            tb,
            -2.0,
            new MatrixSpan<double>(c));
        Assert.Equal(Bytes(expected), Bytes(c));
    }

    [Fact]
    public void Float_views_multiply_as_float_arrays_do()
    {
        var a = new float[33, 20];
        var b = new float[20, 41];
        var rng = new Random(6);
        foreach (var m in new[] { a, b })
        {
            for (var i = 0; i < m.GetLength(0); i++)
            {
                for (var j = 0; j < m.GetLength(1); j++)
                {
                    m[i, j] = (float)rng.NextDouble();
                }
            }
        }

        var expected = Linalg.Dot(a, b);
        var c = new float[33, 41];
        Linalg.Dot(new ReadOnlyMatrixSpan<float>(a), new ReadOnlyMatrixSpan<float>(b), c);
        Assert.Equal(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref expected[0, 0], expected.Length)).ToArray(), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref c[0, 0], c.Length)).ToArray());
    }

    [Fact]
    public void Views_read_rows_elements_and_sub_matrices_of_what_they_view()
    {
        var buffer = Enumerable.Range(0, 20).Select(i => (double)i).ToArray();
        var view = new ReadOnlyMatrixSpan<double>(buffer, 4, 3, 5); // rows start at 0, 5, 10, 15
        Assert.Equal((4, 3, 5), (view.Rows, view.Columns, view.LeadingDimension));
        Assert.Equal(11.0, view[2, 1]);
        Assert.Equal([15.0, 16, 17], view.GetRow(3).ToArray());
        Assert.False(view.TryGetSpan(out var none));
        Assert.True(none.IsEmpty);
        Assert.Equal(new double[,] { { 6, 7 }, { 11, 12 } }, view.Slice(1, 1, 2, 2).ToArray());
        Assert.True(new ReadOnlyMatrixSpan<double>(buffer, 4, 5).TryGetSpan(out var all));
        Assert.Equal(20, all.Length);

        var array = new double[,] { { 1, 2 }, { 3, 4 } };
        ReadOnlyMatrixSpan<double> converted = array;
        Assert.Equal(4.0, converted[1, 1]);
        MatrixSpan<double> writable = array;
        writable[0, 1] = 9;
        writable.GetRow(1).Fill(7);
        Assert.Equal(new double[,] { { 1, 9 }, { 7, 7 } }, array);
        Assert.True(((ReadOnlyMatrixSpan<double>)(double[,]?)null).IsEmpty);
        Assert.Equal("Parallax.ReadOnlyMatrixSpan<Double>[4, 3]", view.ToString());
    }

    [Fact]
    public void Views_refuse_shapes_their_span_cannot_hold_and_positions_outside_them()
    {
        var buffer = new double[10];
        Assert.Throws<ArgumentException>(() => new ReadOnlyMatrixSpan<double>(buffer, 3, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadOnlyMatrixSpan<double>(buffer, 2, 4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MatrixSpan<double>(buffer, -1, 2));
        Assert.Throws<IndexOutOfRangeException>(() => new ReadOnlyMatrixSpan<double>(buffer, 2, 5)[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadOnlyMatrixSpan<double>(buffer, 2, 5).GetRow(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadOnlyMatrixSpan<double>(buffer, 2, 5).Slice(1, 3, 1, 3).ToArray());
        var shapes = Assert.Throws<ArgumentException>(() => Linalg.Dot(new ReadOnlyMatrixSpan<double>(buffer, 2, 5), new ReadOnlyMatrixSpan<double>(buffer, 2, 5)));
        Assert.Contains("a is 2x5 but b is 2x5", shapes.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Linalg.Dot(new ReadOnlyMatrixSpan<double>(buffer, 2, 5), new ReadOnlyMatrixSpan<double>(buffer, 5, 2), new double[3, 3]));
    }

    [Fact]
    public void A_withdrawn_view_refuses_every_access_and_a_product_inside_keeps_its_memory_until_it_ends()
    {
        var lifetime = new ViewLifetime("engine 0's variable 'a'");
        var buffer = new double[] { 1, 2, 3, 4 };
        var view = new ReadOnlyMatrixSpan<double>(buffer, 2, 2, 2, lifetime);
        Assert.Equal(4.0, view[1, 1]);

        var released = 0;
        var reading = view.Enter(); // a product reading the view
        lifetime.Revoke("'a' was replaced");
        lifetime.ReleaseWhenUnused(() => released++);
        Assert.Equal(0, released);
        reading.Dispose();
        Assert.Equal(1, released);

        // A ref struct cannot be captured by Assert.Throws's lambda: each access is tried in turn.
        var messages = new List<string>();
        try { _ = view[0, 0]; } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        try { _ = view.GetRow(0).Length; } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        try { view.TryGetSpan(out _); } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        try { view.ToArray(); } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        try { view.Slice(0, 0, 1, 1); } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        try { Linalg.Dot(view, new double[2, 2]); } catch (ObjectDisposedException e) { messages.Add(e.Message); }
        Assert.Equal(6, messages.Count);
        Assert.All(messages, m => Assert.Contains("engine 0's variable 'a'", m, StringComparison.Ordinal));
        Assert.All(messages, m => Assert.Contains("'a' was replaced", m, StringComparison.Ordinal));

        // With nothing inside, the memory goes at once.
        var other = new ViewLifetime("x");
        other.Revoke("gone");
        other.ReleaseWhenUnused(() => released++);
        Assert.Equal(2, released);
    }

    private static double[,] Matrix(int rows, int columns, int seed)
    {
        var values = Reference.Random(seed, rows * columns);
        var m = new double[rows, columns];
        values.CopyTo(MemoryMarshal.CreateSpan(ref m[0, 0], m.Length));
        return m;
    }

    /// <summary>The matrix inside a buffer of one more row and <paramref name="pad"/> more columns, at [1, 1], the rest NaN.</summary>
    private static double[] Embed(double[,] m, int pad, out int ld)
    {
        int rows = m.GetLength(0), columns = m.GetLength(1);
        ld = columns + pad;
        var buffer = new double[(rows + 1) * ld];
        Array.Fill(buffer, double.NaN);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                buffer[((i + 1) * ld) + j + 1] = m[i, j];
            }
        }

        return buffer;
    }

    private static byte[] Bytes(double[,] m) => m.Length == 0 ? [] : MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref m[0, 0], m.Length)).ToArray();
}
