using System.Runtime.InteropServices;

namespace Parallax.Tests.Jit;

/// <summary>
/// Arguments that share memory: the kernel either computes what the scalar loop computes, or refuses
/// the call with an ArgumentException that names the parameters (issue 15, defect 10).
/// </summary>
public class AliasingKernelTests
{
    private delegate void Outputs<T>(ReadOnlySpan<T> x, Span<T> a, Span<T> b);

    [Fact]
    public void An_output_that_is_an_input_read_after_another_write_is_refused()
    {
        // b[i] = x[i] + 1 comes after a[i] = x[i] * 2: with a = x the scalar loop adds 1 to the doubled value.
        var x = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var b = new double[100];
        var e = Assert.Throws<ArgumentException>(() => AliasingKernels.TwoOut(x, x, b));
        Assert.Equal("a", e.ParamName);
        Assert.Contains("'x'", e.Message);
        e = Assert.Throws<ArgumentException>(() => AliasingKernels.TwoOutArrays(x, x, b));
        Assert.Equal("a", e.ParamName);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), x);

        // b = x is fine: x is read before b is written, in both loops.
        var a = new double[100];
        var expectedA = new double[100];
        var expectedX = (double[])x.Clone();
        Outputs<double> scalar = AliasingKernels.TwoOut;
        scalar(expectedX, expectedA, expectedX);
        AliasingKernels.TwoOut(x, a, x);
        Assert.Equal(expectedA, a);
        Assert.Equal(expectedX, x);
    }

    [Fact]
    public void Two_outputs_over_one_buffer_keep_the_scalar_loops_last_write()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Ints(n, 7);
            var expected = JitTestData.Ints(n, 8);
            var actual = (int[])expected.Clone();
            Outputs<int> scalar = AliasingKernels.LastWriteWins;
            scalar(x, expected, expected);
            AliasingKernels.LastWriteWins(x, actual, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Spans_of_different_widths_over_the_same_memory_are_refused()
    {
        // Element i of the float span is bytes 4i..4i+3, of the double span 8i..8i+7: the scalar loop
        // overwrites floats it reads later; a kernel reads a vector of them first.
        var floats = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        var e = Assert.Throws<ArgumentException>(() => AliasingKernels.FloatToDouble(floats.AsSpan(0, 32), MemoryMarshal.Cast<float, double>(floats.AsSpan())));
        Assert.Equal("r", e.ParamName);
        Assert.Contains("'x'", e.Message);

        var ints = Enumerable.Range(0, 64).ToArray();
        e = Assert.Throws<ArgumentException>(() => AliasingKernels.IntToLong(ints.AsSpan(0, 32), MemoryMarshal.Cast<int, long>(ints.AsSpan())));
        Assert.Equal("r", e.ParamName);

        // Disjoint halves of one buffer are fine, and match the scalar loop.
        var buffer = new long[64];
        var source = MemoryMarshal.Cast<long, int>(buffer.AsSpan(0, 16));
        for (int i = 0; i < source.Length; i++) source[i] = i * 7 - 50;
        AliasingKernels.IntToLong(source, buffer.AsSpan(32, 32));
        Assert.Equal(Enumerable.Range(0, 32).Select(i => i * 7 - 50 + 1L), buffer.AsSpan(32, 32).ToArray());
    }
}
