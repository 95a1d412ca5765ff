namespace Parallax.Tests.Jit;

/// <summary>
/// Parallel = true splits the range into chunks; every chunk boundary must leave the result equal to
/// the one-core scalar loop (element-wise, integer and min/max reductions) or within the
/// reassociation bound (FastMath sums). [Vectorize] span overloads against the scalar function.
/// </summary>
public class ParallelAndVectorizeTests
{
    /// <summary>Every vector width's edges (one chunk), lengths around the two-chunk threshold and chunk alignment, and 10^6.</summary>
    private static readonly int[] ParallelLengths = [.. Enumerable.Range(0, 258), 65_535, 65_536, 65_537, 200_003, 1_000_000];

    [Fact]
    public void Chunks_cover_the_range_exactly_once()
    {
        foreach (int length in ParallelLengths)
        {
            int chunks = Parallax.CompilerServices.JitParallel.ChunkCount(length);
            var seen = new int[length];
            var starts = new int[chunks];
            Parallax.CompilerServices.JitParallel.For(length, chunks, (chunk, start, count) =>
            {
                starts[chunk] = start;
                for (int i = start; i < start + count; i++) Interlocked.Increment(ref seen[i]);
            });
            Assert.All(seen, s => Assert.Equal(1, s));
            Assert.Equal(starts.Order(), starts);
            Assert.True(length >= Parallax.CompilerServices.JitParallel.MinimumChunk * 2 || chunks == 1, $"{length} elements should stay on one chunk");
        }
    }

    [Fact]
    public void Above_the_threshold_chunks_run_on_more_than_one_thread()
    {
        int length = 4 * Parallax.CompilerServices.JitParallel.MinimumChunk;
        int chunks = Parallax.CompilerServices.JitParallel.ChunkCount(length);
        Assert.True(chunks >= 2, $"{length} elements make {chunks} chunk(s)");
        Assert.Equal(1, Parallax.CompilerServices.JitParallel.ChunkCount(2 * Parallax.CompilerServices.JitParallel.MinimumChunk - 1));

        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        using var second = new ManualResetEventSlim();
        Parallax.CompilerServices.JitParallel.For(length, chunks, (chunk, start, count) =>
        {
            threads.TryAdd(Environment.CurrentManagedThreadId, chunk);
            if (threads.Count >= 2)
            {
                second.Set();
            }

            // Each chunk waits until a second thread has taken one, which only happens if chunks run side
            // by side; on one thread the first chunk would wait out the bound (a hang guard, not a timing check).
            Assert.True(second.Wait(TimeSpan.FromMinutes(2)), "only one thread ran chunks");
        });
        Assert.True(threads.Count >= 2, $"chunks ran on {threads.Count} thread(s)");
    }

    [Fact]
    public void Parallel_element_wise_kernels_match_the_scalar_loop()
    {
        foreach (int n in ParallelLengths)
        {
            var x = JitTestData.Doubles(n, 60);
            var y = JitTestData.Doubles(n, 61);
            var expected = new double[n];
            ((Action<double[], double[], double[]>)ParallelKernels.AddInto)(x, y, expected);
            var actual = new double[n];
            ParallelKernels.AddInto(x, y, actual);
            JitTestData.BitwiseEqual<double>(expected, actual, $"AddInto, length {n}");
        }
    }

    [Fact]
    public void Parallel_sin_kernel_stays_within_the_fast_math_bound()
    {
        foreach (int n in ParallelLengths)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 200 - 100).ToArray();
            var expected = ((Func<double[], double[], double[]>)ParallelKernels.SquarePlusSin)(x, y);
            var actual = ParallelKernels.SquarePlusSin(x, y);
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-15 * (1 + Math.Abs(expected[i])) * 4, $"at {i} of {n}: {actual[i]:R} vs {expected[i]:R}");
            }
        }
    }

    [Fact]
    public void Parallel_integer_reductions_are_exact()
    {
        foreach (int n in ParallelLengths)
        {
            var x = JitTestData.Longs(n, 62);
            Assert.Equal(((Func<long[], long>)ParallelKernels.Sum)(x), ParallelKernels.Sum(x));
            var ints = JitTestData.Ints(n, 63);
            Assert.Equal(((Func<int[], int>)ParallelKernels.Max)(ints), ParallelKernels.Max(ints));
        }
    }

    [Fact]
    public void Parallel_fast_math_dot_is_within_the_reassociation_bound()
    {
        foreach (int n in ParallelLengths)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            double expected = ((Func<double[], double[], double>)ParallelKernels.Dot)(x, y);
            double magnitude = x.Zip(y, (a, b) => Math.Abs(a * b)).Sum();
            Assert.True(Math.Abs(expected - ParallelKernels.Dot(x, y)) <= 2.0 * n * Math.Pow(2, -53) * magnitude, $"length {n}");
        }
    }

    [Fact]
    public void Vectorize_applies_the_scalar_function_to_every_element()
    {
        foreach (int n in JitTestData.Lengths)
        {
            var x = JitTestData.Doubles(n, 64);
            var y = JitTestData.Doubles(n, 65);
            var result = new double[n];
            ParallelKernels.Hypot(x, y, result);
            JitTestData.BitwiseEqual<double>(x.Zip(y, ParallelKernels.Hypot).ToArray(), result, $"Hypot, length {n}");

            var ints = JitTestData.Ints(n, 66);
            var relu = new int[n];
            ParallelKernels.Relu(ints, relu);
            JitTestData.BitwiseEqual<int>(ints.Select(ParallelKernels.Relu).ToArray(), relu, $"Relu, length {n}");

            // In place: the result span is the input.
            ParallelKernels.Relu(ints, ints);
            JitTestData.BitwiseEqual<int>(relu, ints, $"Relu in place, length {n}");
        }
    }

    [Fact]
    public void Vectorize_checks_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() => ParallelKernels.Hypot(new double[2], new double[2], new double[3]));
        Assert.Equal("result", e.ParamName);
    }
}
