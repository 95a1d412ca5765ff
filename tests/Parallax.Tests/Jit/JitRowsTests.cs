using Parallax.CompilerServices;

namespace Parallax.Tests.Jit;

/// <summary>Row views of rectangular arrays and the parallel split of rows that nested-loop kernels run on.</summary>
public class JitRowsTests
{
    [Fact]
    public void A_row_view_is_the_run_of_elements_the_scalar_indexer_reads()
    {
        foreach (var (n, m) in new[] { (1, 1), (1, 17), (17, 1), (3, 5), (7, 64) })
        {
            var a = new int[n, m];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                    a[i, j] = i * 1000 + j;

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= m; j++)
                {
                    var row = JitRows.Row(a, i, j, m - j);
                    Assert.Equal(Enumerable.Range(j, m - j).Select(c => a[i, c]), row.ToArray());
                }
            }

            // Writes land where the indexer sees them.
            JitRows.Row(a, n - 1, 0, m)[m - 1] = -5;
            Assert.Equal(-5, a[n - 1, m - 1]);
            Assert.Equal(n * m, JitRows.Flat(a).Length);
            Assert.Equal(a[n - 1, 0], JitRows.Flat(a)[(n - 1) * m]);
        }
    }

    [Fact]
    public void A_three_dimensional_row_runs_along_the_last_dimension()
    {
        var a = new double[3, 4, 5];
        for (int p = 0; p < 3; p++)
            for (int r = 0; r < 4; r++)
                for (int c = 0; c < 5; c++)
                    a[p, r, c] = p * 100 + r * 10 + c;

        Assert.Equal(new[] { 231.0, 232, 233, 234 }, JitRows.Row(a, 2, 3, 1, 4).ToArray());
        Assert.Equal(60, JitRows.Flat(a).Length);
        Assert.Equal(123.0, JitRows.Flat(a)[1 * 20 + 2 * 5 + 3]);
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 3, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 0, 4, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 0, 0, 2, 4));
    }

    [Fact]
    public void A_run_outside_the_array_throws_instead_of_reading_the_next_row()
    {
        var a = new float[4, 6];
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 0, 1, 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 4, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, -1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => JitRows.Row(a, 0, -1, 1));
        Assert.Throws<ArgumentNullException>(() => JitRows.Row((float[,])null!, 0, 0, 0));

        // An empty run is fine anywhere a loop that does not run would put it, even past the last row.
        Assert.True(JitRows.Row(a, 4, 6, 0).IsEmpty);
        Assert.True(JitRows.Row(a, -3, 70, 0).IsEmpty);
        Assert.True(JitRows.Row(new float[0, 0], 0, 0, 0).IsEmpty);
        Assert.Equal(0, JitRows.Flat(new float[0, 3]).Length);
    }

    [Fact]
    public void Parallel_rows_cover_every_row_once_in_ascending_chunks()
    {
        foreach (int rows in new[] { 0, 1, 2, 3, 7, 31, 400, 401 })
        {
            foreach (int chunks in new[] { 1, 2, 3, 16, 1000 })
            {
                var seen = new int[rows];
                var ranges = new (int First, int Count)[Math.Max(1, Math.Min(chunks, rows))];
                JitParallelRows.For(rows, chunks, (chunk, first, count) =>
                {
                    ranges[chunk] = (first, count);
                    for (int r = first; r < first + count; r++)
                    {
                        Interlocked.Increment(ref seen[r]);
                    }
                });

                Assert.All(seen, s => Assert.Equal(1, s));
                if (rows > 0)
                {
                    Assert.Equal(0, ranges[0].First);
                    for (int c = 1; c < ranges.Length; c++)
                    {
                        Assert.Equal(ranges[c - 1].First + ranges[c - 1].Count, ranges[c].First);
                        Assert.InRange(Math.Abs(ranges[c].Count - ranges[0].Count), 0, 1);
                    }
                }
            }
        }
    }

    [Fact]
    public void Chunk_counts_stay_within_rows_cores_and_size()
    {
        Assert.Equal(1, JitParallelRows.ChunkCount(0, 1000, 1));
        Assert.Equal(1, JitParallelRows.ChunkCount(1, 1_000_000, 1));
        Assert.Equal(3, JitParallelRows.ChunkCount(3, 1_000_000, 1));
        Assert.Equal(1, JitParallelRows.ChunkCount(100, 10, JitParallel.MinimumChunk));
        Assert.Equal(Math.Min(400, Environment.ProcessorCount * JitParallelRows.ChunksPerCore), JitParallelRows.ChunkCount(400, 600, 1024));
        Assert.Equal(1, JitParallelRows.ChunkCount(400, 0, 1024));
    }

    [Fact]
    public void A_chunk_that_throws_rethrows_the_lowest_chunks_exception_unwrapped_after_all_chunks_ran()
    {
        int ran = 0;
        var e = Assert.Throws<DivideByZeroException>(() => JitParallelRows.For(64, 8, (chunk, first, count) =>
        {
            Interlocked.Add(ref ran, count);
            if (chunk == 5) throw new InvalidOperationException("later chunk");
            if (chunk == 2) throw new DivideByZeroException();
        }));
        Assert.Equal(64, ran);
        Assert.Equal(new DivideByZeroException().Message, e.Message);
        Assert.Throws<ArgumentNullException>(() => JitParallelRows.For(1, 1, null!));
    }
}
