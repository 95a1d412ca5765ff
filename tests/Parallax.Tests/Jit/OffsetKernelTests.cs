namespace Parallax.Tests.Jit;

/// <summary>
/// Reads at <c>x[i + c]</c> and <c>x[i - c]</c>, loops that start after 0: the kernel gets shifted
/// views, so it must match the scalar loop bit for bit, check ranges up front and refuse a
/// destination that is a shifted view of a source.
/// </summary>
public class OffsetKernelTests
{
    [Fact]
    public void Forward_difference_reads_one_past_the_index()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n + 1, 90);
            var expected = new double[n];
            var actual = new double[n];
            ((Action<double[], double[]>)OffsetKernels.Diff)(x, expected);
            OffsetKernels.Diff(x, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"Diff, length {n}");
        }
    }

    [Fact]
    public void Backward_difference_from_index_one_leaves_element_zero()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Floats(n, 91);
            JitTestData.BitwiseEqual<float>(((Func<float[], float[]>)OffsetKernels.BackwardDiff)(x), OffsetKernels.BackwardDiff(x), $"BackwardDiff, length {n}");
        }
    }

    [Fact]
    public void Three_point_stencil_over_spans_wraps_like_the_scalar_loop()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n + 2, 92);
            var expected = new int[n];
            var actual = new int[n];
            ((SpanStencil)OffsetKernels.Smooth)(x, expected);
            OffsetKernels.Smooth(x, actual);
            JitTestData.BitwiseEqual<int>(expected, actual, $"Smooth, length {n}");
        }
    }

    private delegate void SpanStencil(ReadOnlySpan<int> x, Span<int> r);

    [Fact]
    public void Reduction_over_two_offsets_from_index_two()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Longs(n, 93);
            Assert.Equal(((Func<long[], int>)OffsetKernels.CountRises)(x), OffsetKernels.CountRises(x));
            var rising = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
            Assert.Equal(Math.Max(n - 2, 0), OffsetKernels.CountRises(rising));
        }
    }

    [Fact]
    public void Parallel_chunks_read_across_their_boundaries()
    {
        foreach (int n in JitTestData.Lengths.Concat([65_537, 200_003]))
        {
            var x = JitTestData.Doubles(n + 1, 94);
            var expected = JitTestData.Doubles(n, 95);
            var actual = (double[])expected.Clone();
            ((Action<double[], double[]>)OffsetKernels.CentralDiff)(x, expected);
            OffsetKernels.CentralDiff(x, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"CentralDiff, length {n}");
        }
    }

    [Fact]
    public void Ranges_are_checked_up_front_naming_the_array()
    {
        var e = Assert.Throws<ArgumentException>(() => OffsetKernels.Diff(new double[10], new double[10]));
        Assert.Equal("x", e.ParamName);
        Assert.Contains("at least 11", e.Message);
        Assert.Throws<ArgumentException>(() => OffsetKernels.Smooth(new int[11], new int[10]));

        // Nothing runs, so nothing is read: like the scalar loop, no exception.
        OffsetKernels.Diff(Array.Empty<double>(), Array.Empty<double>());
        Assert.Equal(new float[1], OffsetKernels.BackwardDiff(new float[1]));
    }

    [Fact]
    public void A_destination_that_is_a_source_shifted_by_the_offset_is_rejected()
    {
        // r[i] = x[i] + 2 * x[i + 1] + x[i + 2] with r over x's own memory: the scalar loop reads ahead
        // of its writes, a vector would not, so the kernel refuses the aliasing instead of computing
        // something else.
        var buffer = JitTestData.Ints(100, 96);
        var e = Assert.Throws<ArgumentException>(() => OffsetKernels.Smooth(buffer, buffer.AsSpan(0, 98)));
        Assert.Equal("r", e.ParamName);

        // Passing the same array twice to Diff fails its range check first: x must be one longer.
        Assert.Throws<ArgumentException>(() => OffsetKernels.Diff(new double[5], new double[5]));
    }
}
