using System.Collections.Concurrent;

namespace Parallax.Tests.Engines;

/// <summary>The task farm on real engine processes: results, streaming, failures, scheduling and concurrency.</summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class LoadBalancedViewTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    public static TheoryData<int, int, bool> Shapes()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var count in new[] { 0, 1, 7, 1000 })
        {
            foreach (var chunk in new[] { 0, 1, 3, 1000 })
            {
                data.Add(count, chunk, true);
                data.Add(count, chunk, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Results_equal_a_local_map_whatever_the_chunks_and_order(int count, int chunkSize, bool ordered)
    {
        var items = Enumerable.Range(0, count).Select(i => i * 7 - 3).ToArray();
        var offset = 11;
        var expected = items.Select(x => (long)x * x + offset).ToArray();
        var lv = Cl.LoadBalancedView();

        var map = lv.MapAsync(x => (long)x * x + offset, items, chunkSize, ordered);
        var streamed = new List<long>();
        await foreach (var y in map)
        {
            streamed.Add(y);
        }

        Assert.Equal(expected, await map);
        Assert.Equal(count, map.Completed);
        Assert.Equal(count, map.Total);
        if (ordered)
        {
            Assert.Equal(expected, streamed);
        }
        else
        {
            Assert.Equal(expected.Order(), streamed.Order());
        }

        Assert.Equal(expected, lv.MapSync(x => (long)x * x + offset, items, chunkSize));
        Assert.All(map.EngineIds, id => Assert.Contains(id, Cl.Ids));
    }

    [Fact]
    public async Task Apply_runs_on_one_engine_and_says_which()
    {
        var lv = Cl.LoadBalancedView();
        var r = lv.ApplyAsync(() =>
        {
            Console.WriteLine($"on {Engine.Id}");
            return Engine.Id;
        });
        var id = await r;
        Assert.Equal([id], r.EngineIds);
        Assert.Equal(id, r.Metadata[0].EngineId);
        Assert.NotNull(r.Metadata[0].Completed);
        Assert.Equal($"on {id}{Environment.NewLine}", r.Stdout[0]);
        var shown = new StringWriter();
        r.DisplayOutputs(shown);
        Assert.Equal($"[stdout:{id}] on {id}{Environment.NewLine}", shown.ToString());

        Assert.Contains(lv.ApplySync(() => Engine.Id), Cl.Ids);
        lv.ApplySync(() => Engine.Set("farmed", 1));
        await lv.ApplyAsync(Kernels.Mark);
        Assert.Single(Cl[..].ApplySync(() => Engine.Contains("farmed")), found => found);
        Cl[..].ApplySync(() => Engine.Remove("farmed"));
    }

    [Fact]
    public async Task Each_call_goes_to_the_least_loaded_engine()
    {
        using var gate = new Gate();
        var path = gate.Path;
        var lv = Cl.LoadBalancedView();

        // Three calls that hold their engines: each finds the engines before it busy and takes a free one.
        var busy = Enumerable.Range(0, 3).Select(_ => lv.ApplyAsync(() => EngineSide.WaitFor(path))).ToArray();
        while (busy.Any(b => b.EngineIds[0] < 0))
        {
            await Task.Delay(10);
        }

        Assert.Equal([0, 1, 2], busy.Select(b => b.EngineIds[0]).Order());
        gate.Open();
        Assert.Equal([0, 1, 2], (await Task.WhenAll(busy.Select(b => b.WaitAsync()))).Order());
    }

    [Fact]
    public async Task Failed_tasks_are_named_and_the_others_still_return()
    {
        var items = Enumerable.Range(0, 60).ToArray();
        var lv = Cl.LoadBalancedView();
        var map = lv.MapAsync(x => x % 7 == 3 ? Thrower.Fail($"bad {x}") : x * 2, items, chunkSize: 5, ordered: false);
        var streamed = new List<int>();
        var failure = await Assert.ThrowsAsync<RemoteAggregateException>(async () =>
        {
            await foreach (var y in map)
            {
                streamed.Add(y);
            }
        });

        int[] failed = [.. items.Where(x => x % 7 == 3)];
        Assert.Equal(failed, failure.TaskIndices);
        Assert.All(failure.InnerExceptions.Zip(failed), pair =>
        {
            var remote = Assert.IsType<RemoteException>(pair.First);
            Assert.Equal(typeof(InvalidOperationException).FullName, remote.RemoteType);
            Assert.Equal($"bad {pair.Second}", remote.RemoteMessage);
        });
        Assert.Contains($"task {failed[0]}: ", failure.Message, StringComparison.Ordinal);
        Assert.Equal(items.Where(x => x % 7 != 3).Select(x => x * 2).Order(), streamed.Order());
        Assert.Equal(items.Length, map.Completed);
        Assert.Throws<RemoteAggregateException>(() => map.Get());
    }

    [Fact]
    public void Progress_reaches_the_total()
    {
        var reports = new ConcurrentQueue<MapProgress>();
        var lv = Cl.LoadBalancedView();
        var squares = lv.MapSync(x => x * x, Enumerable.Range(0, 500), chunkSize: 10, progress: new SyncProgress(reports.Enqueue));
        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), squares);
        Assert.Equal(new MapProgress(500, 500), reports.MaxBy(p => p.Completed));
        Assert.All(reports, p => Assert.Equal(500, p.Total));
    }

    [Fact]
    public async Task Concurrent_maps_from_several_threads_each_get_their_own_results()
    {
        var lv = Cl.LoadBalancedView();
        var maps = Enumerable.Range(1, 6).Select(k => Task.Run(() =>
        {
            var items = Enumerable.Range(0, 400 + k).ToArray();
            return (k, items, results: lv.MapSync(x => x * k, items, chunkSize: k % 3));
        })).ToArray();
        foreach (var (k, items, results) in await Task.WhenAll(maps))
        {
            Assert.Equal(items.Select(x => x * k), results);
        }
    }

    [Fact]
    public async Task A_view_over_a_subset_uses_only_its_engines()
    {
        var lv = Cl.LoadBalancedView(new[] { 0, 2 });
        Assert.Equal([0, 2], lv.Targets);
        var ids = await lv.MapAsync(_ => Engine.Id, Enumerable.Range(0, 200), chunkSize: 1);
        Assert.Equal([0, 2], ids.Distinct().Order());
        Assert.Contains(lv.ApplySync(() => Engine.Id), new[] { 0, 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => Cl.LoadBalancedView(new[] { 5 }));
        Assert.Throws<ArgumentException>(() => Cl.LoadBalancedView(Array.Empty<int>()));
    }

    [Fact]
    public void Bad_options_are_refused_with_the_value()
    {
        var lv = Cl.LoadBalancedView();
        Assert.Throws<ArgumentOutOfRangeException>(() => lv.MapAsync(x => x, new[] { 1 }, chunkSize: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => lv.MapAsync(x => x, new[] { 1 }, retries: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => lv.MapAsync(x => x, new[] { 1 }, timeout: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => lv.Retries = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => lv.Timeout = TimeSpan.FromSeconds(-1));
    }

    /// <summary>Reports on the reporting thread, unlike Progress&lt;T&gt;, which posts to the pool and may report after the map is over.</summary>
    private sealed class SyncProgress(Action<MapProgress> report) : IProgress<MapProgress>
    {
        public void Report(MapProgress value) => report(value);
    }
}
