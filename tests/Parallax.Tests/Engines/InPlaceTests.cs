using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Parallax.Engines.Host;

namespace Parallax.Tests.Engines;

// Inside the namespace, so that it wins over the test namespace Parallax.Tests.Linalg.
using Linalg = Parallax.Linalg;

/// <summary>
/// Engines read pushed matrices where they lie and write results where a pull maps them, on real
/// engine processes: the seed's cell copies neither a nor b, c goes out of the segment it was computed
/// into, views are read-only mappings, and a view that outlives its value (replaced, its segment
/// released and reused by the next push) fails with <see cref="ObjectDisposedException"/> instead of
/// reading freed memory. The fixture's threshold is 64 KiB, so 150 x 150 doubles (180 KB) go through shared memory.
/// </summary>
[Collection(EnginesCollection.Name)]
public class InPlaceTests(ClusterFixture fixture)
{
    private const int N = 150;

    private DirectView V => fixture.Client[..];

    [Fact]
    public async Task The_seed_cell_reads_a_and_b_in_place_and_c_is_pulled_from_where_it_was_computed()
    {
        var a = Matrices.Random(N, N, 11);
        var b = Matrices.Random(N, N, 12);
        var v = V;
        v.PushSync(new { a, b });

        // The seed's cell, as written: the generator turns it into views and a product into shared memory.
        await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));

        var kinds = v.ApplySync(() => string.Join(" ", new[] { "a", "b", "c" }.Select(name => EngineNamespace.Current.KindOf(name))));
        Assert.All(kinds, k => Assert.Equal("pushed pushed written", k));

        var expected = Linalg.Dot(a, b);
        foreach (var c in v.PullSync<double[,]>("c"))
        {
            Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's c differs from the local product");
        }

        // Two pulls at once: the second finds the segment still held by the first reader and gets a copy.
        var both = await Task.WhenAll(v.PullAsync<double[,]>("c"), v.PullAsync<double[,]>("c"));
        Assert.All(both.SelectMany(x => x), c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan())));

        var into = new[] { new double[N, N], new double[N, N], new double[N, N] };
        v.PullIntoSync("c", into);
        Assert.All(into, c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan())));

        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c"));
        ClusterFixture.AssertSharedMemoryBounded(fixture.Cluster);
    }

    [Fact]
    public void A_view_of_a_pushed_matrix_is_a_read_only_mapping_of_the_pushed_segment()
    {
        var v = V;
        v.PushSync("a", Matrices.Random(N, N, 13));
        foreach (var mapping in v.ApplySync(() => InPlaceEngineSide.MappingOf("a")))
        {
            var fields = mapping.Split(' ', 2);
            Assert.Matches("^r-[-x]s$", fields[0]); // readable, not writable, shared
            Assert.StartsWith(fixture.Cluster.Connection.SegmentFolder + "/", fields[1], StringComparison.Ordinal);
        }

        v.ApplySync(() => Engine.Remove("a"));
    }

    [Fact]
    public void The_array_read_from_a_push_equals_it_and_a_product_of_views_is_bitwise_the_product_of_arrays()
    {
        var a = Matrices.Random(N, N + 7, 14);
        var b = Matrices.Random(N + 7, N - 3, 15);
        var v = V;
        v.PushSync(new { a, b });

        // On each engine: the product of the views (first, while a and b are unread), then of the arrays read from them.
        Assert.All(v.ApplySync(() => InPlaceEngineSide.ViewProductEqualsArrayProduct("a", "b")), Assert.True);
        foreach (var read in v.ApplySync(() => Engine.Get<double[,]>("a")))
        {
            Assert.True(read.AsSpan().SequenceEqual(a.AsSpan()), "the array an engine read from the push differs from the pushed one");
        }

        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b"));
    }

    [Fact]
    public void A_product_may_replace_the_variable_it_reads()
    {
        var a = Matrices.Random(N, N, 16);
        var b = Matrices.Random(N, N, 17);
        var v = V;
        v.PushSync(new { a, b });
        v.ApplySync(() => Engine.Set("a", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        v.ApplySync(() => Engine.Set("a", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        var expected = Linalg.Dot(Linalg.Dot(a, b), b);
        Assert.All(v.PullSync<double[,]>("a"), c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan())));
        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b"));
    }

    [Fact]
    public void A_view_used_after_its_variable_was_replaced_in_the_same_call_fails_clearly()
    {
        var v = V;
        v.PushSync("a", Matrices.Random(N, N, 18));
        foreach (var outcome in v.ApplySync(() => InPlaceEngineSide.UseAfterReplace("a")))
        {
            Assert.StartsWith("ObjectDisposedException: ", outcome, StringComparison.Ordinal);
            Assert.Contains("variable 'a'", outcome, StringComparison.Ordinal);
            Assert.Contains("'a' was replaced", outcome, StringComparison.Ordinal);
        }

        v.ApplySync(() => Engine.Remove("a"));
    }

    [Fact]
    public void A_view_that_outlives_its_push_fails_clearly_after_the_segment_is_released_and_reused()
    {
        var v = V;
        v.PushSync(new { a = Matrices.Random(N, N, 19), b = Matrices.Random(N, N, 20) });

        // A thread on each engine takes a view of a, and the call returns while it waits.
        v.ApplySync(() => InPlaceEngineSide.HoldViewOnThread("a"));

        // New a and b: the first push's segment is released by every engine (no variable holds it) ...
        v.PushSync(new { a = Matrices.Random(N, N, 21), b = Matrices.Random(N, N, 22) });
        v.ApplySync(() => 0); // the engines' Released frames arrive before this reply
        var created = fixture.Cluster.PushSegments.Created;

        // ... and the next push is written into it.
        var a3 = Matrices.Random(N, N, 23);
        v.PushSync(new { a = a3, b = Matrices.Random(N, N, 24) });
        Assert.Equal(created, fixture.Cluster.PushSegments.Created);

        // Now the thread reads its view: refused, every way, and the engines are alive to say so.
        foreach (var outcomes in v.ApplySync(() => InPlaceEngineSide.ReleaseHeldView()))
        {
            Assert.Equal(3, outcomes.Length);
            Assert.All(outcomes, o => Assert.StartsWith("ObjectDisposedException: ", o, StringComparison.Ordinal));
            Assert.All(outcomes, o => Assert.Contains("'a' was replaced", o, StringComparison.Ordinal));
        }

        Assert.All(v.PullSync<double[,]>("a"), pulled => Assert.True(pulled.AsSpan().SequenceEqual(a3.AsSpan())));
        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b"));
    }

    [Fact]
    public async Task A_matrix_written_with_SetMatrix_is_pulled_as_written_even_when_replaced_while_the_pull_is_in_flight()
    {
        var v = V;
        v.ApplySync(() => InPlaceEngineSide.WriteRamp("w", N, N + 10));
        Assert.All(v.ApplySync(() => EngineNamespace.Current.KindOf("w")), k => Assert.Equal("written", k));

        var expected = new double[N, N + 10];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N + 10; j++)
            {
                expected[i, j] = (i * 1000.0) + j;
            }
        }

        var pulling = v.PullAsync<double[,]>("w");
        var replacing = v.ApplyAsync(() => Engine.Set("w", 1));
        Assert.All(await pulling, w => Assert.Equal(expected, w));
        await replacing;
        Assert.Equal([1, 1, 1], v.PullSync<int>("w"));
        v.ApplySync(() => Engine.Remove("w"));
        ClusterFixture.AssertSharedMemoryBounded(fixture.Cluster);
    }
}

/// <summary>Engine-side code of <see cref="InPlaceTests"/>.</summary>
internal static class InPlaceEngineSide
{
    private static readonly ManualResetEventSlim Go = new();
    private static readonly ManualResetEventSlim Taken = new();
    private static TaskCompletionSource<string[]>? outcomes;

    /// <summary>The permissions and file of the mapping that holds the first element of a view of <paramref name="name"/>, from /proc/self/maps.</summary>
    public static unsafe string MappingOf(string name)
    {
        var view = Engine.GetMatrix<double>(name);
        var at = (ulong)Unsafe.AsPointer(ref MemoryMarshal.GetReference(view.GetRow(0)));
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            if (ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) <= at && at < ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            {
                return $"{fields[1]} {(fields.Length > 5 ? fields[5].Trim() : "")}";
            }
        }

        return "not mapped";
    }

    public static bool ViewProductEqualsArrayProduct(string aName, string bName)
    {
        var viaViews = Linalg.Dot(Engine.GetMatrix<double>(aName), Engine.GetMatrix<double>(bName));
        var a = Engine.Get<double[,]>(aName);
        var b = Engine.Get<double[,]>(bName);
        var viaArrays = Linalg.Dot(a, b);
        return viaViews.AsSpan().SequenceEqual(viaArrays.AsSpan());
    }

    public static string UseAfterReplace(string name)
    {
        var view = Engine.GetMatrix<double>(name);
        var row = view.GetRow(view.Rows - 1);
        var last = row[^1];
        Engine.Set(name, 0);
        try
        {
            return $"read {view[0, 0]}";
        }
        catch (ObjectDisposedException e)
        {
            // A span taken before is still mapped until the call ends: it reads the old value, not freed memory.
            return row[^1] == last ? $"{nameof(ObjectDisposedException)}: {e.Message}" : "the span changed";
        }
    }

    /// <summary>Starts a thread that takes a view of <paramref name="name"/> and, once released, tries to read it three ways.</summary>
    public static void HoldViewOnThread(string name)
    {
        Go.Reset();
        Taken.Reset();
        outcomes = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            var view = Engine.GetMatrix<double>(name);
            Taken.Set();
            Go.Wait();
            var results = new string[3];
            try { results[0] = $"read {view[0, 0]}"; } catch (ObjectDisposedException e) { results[0] = $"{nameof(ObjectDisposedException)}: {e.Message}"; }
            try { results[1] = $"read a row of {view.GetRow(0).Length}"; } catch (ObjectDisposedException e) { results[1] = $"{nameof(ObjectDisposedException)}: {e.Message}"; }
            try { results[2] = $"multiplied {Linalg.Dot(view, view).Length}"; } catch (ObjectDisposedException e) { results[2] = $"{nameof(ObjectDisposedException)}: {e.Message}"; }
            outcomes.SetResult(results);
        }) { IsBackground = true }.Start();
        Taken.Wait();
    }

    public static string[] ReleaseHeldView()
    {
        Go.Set();
        return outcomes!.Task.GetAwaiter().GetResult();
    }

    public static void WriteRamp(string name, int rows, int columns)
    {
        var w = Engine.SetMatrix<double>(name, rows, columns);
        for (var i = 0; i < rows; i++)
        {
            var row = w.GetRow(i);
            for (var j = 0; j < columns; j++)
            {
                row[j] = (i * 1000.0) + j;
            }
        }
    }
}
