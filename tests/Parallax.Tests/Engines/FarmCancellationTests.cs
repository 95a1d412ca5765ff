namespace Parallax.Tests.Engines;

/// <summary>
/// Cancellation, timeouts, retries and engine deaths in the task farm and the direct views, on real
/// engine processes. Tests that restart or kill engines start clusters of their own.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FarmCancellationTests(ClusterFixture fixture) : IDisposable
{
    private readonly string starts = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "parallax-starts-" + Guid.NewGuid().ToString("N"))).FullName;

    private Client Cl => fixture.Client;

    public void Dispose() => Directory.Delete(starts, recursive: true);

    [Fact]
    public async Task Cancelling_a_map_drops_its_queued_tasks_at_once_and_they_never_start()
    {
        using var gate = new Gate();
        var (path, folder) = (gate.Path, starts);
        Cl[..].PushSync(new { kept = 42 });
        var lv = Cl.LoadBalancedView();
        var map = lv.MapAsync(x => FarmSide.Started(folder, x) + FarmSide.WaitCooperatively("started", path), Enumerable.Range(0, 300), chunkSize: 1);

        // Every engine runs one task and holds the next; none can start another until the map is cancelled.
        await Until(() => Directory.GetFiles(folder).Length == 3);
        map.Cancel();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await map);
        Assert.IsNotType<EngineRestartedException>(cancelled);

        Assert.Equal(3, Directory.GetFiles(folder).Length);
        Assert.Equal(3, Cl[..].PullSync<int>("started").Sum());
        Assert.Equal(0, map.Completed);
        Assert.True(map.IsReady);

        // The engines stopped cooperatively: still there, namespaces intact, serving the next map.
        Assert.Equal([42, 42, 42], Cl[..].PullSync<int>("kept"));
        Assert.Equal([1, 2, 3], lv.MapSync(x => x + 1, new[] { 0, 1, 2 }));
        Cl[..].ApplySync(() => Engine.Remove("started"));
    }

    [Fact]
    public async Task A_running_call_that_watches_its_token_stops_when_the_token_is_cancelled()
    {
        var folder = starts;
        using var never = new Gate();
        var path = never.Path;
        Cl[..].PushSync(new { kept = 7 });
        using var cancel = new CancellationTokenSource();
        var lv = Cl.LoadBalancedView();
        var r = lv.ApplyAsync(() => FarmSide.Started(folder, 0) + FarmSide.WaitCooperatively("cooperative", path), cancel.Token);
        await Until(() => Directory.GetFiles(folder).Length == 1);
        cancel.Cancel();
        var stopped = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await r);
        Assert.IsNotType<EngineRestartedException>(stopped);
        Assert.Equal([7, 7, 7], Cl[..].PullSync<int>("kept"));
        Cl[..].ApplySync(() => Engine.Remove("cooperative"));
    }

    [Fact]
    public async Task A_direct_call_is_cancelled_on_every_target_and_a_queued_one_never_starts()
    {
        using var gate = new Gate();
        var (path, folder) = (gate.Path, starts);
        using var cancel = new CancellationTokenSource();
        var all = Cl[..].ApplyAsync(() => FarmSide.Started(folder, Engine.Id) + FarmSide.WaitCooperatively("direct", path), cancel.Token);
        await Until(() => Directory.GetFiles(folder).Length == 3);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await all);

        // A call queued behind a busy one on the same engine is dropped there when cancelled: the engine reads while it runs.
        var busy = Cl[0].ApplyAsync(() => FarmSide.WaitCooperatively("direct", path));
        using var second = new CancellationTokenSource();
        var queued = Cl[0].ApplyAsync(() => FarmSide.Count("queued"), second.Token);
        second.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queued);
        Assert.False(busy.IsReady);
        gate.Open();
        Assert.Equal(0, await busy);
        Assert.False(Cl[0].ApplySync(() => Engine.Contains("queued")));
        Cl[..].ApplySync(() => Engine.Remove("direct"));
    }

    [Fact]
    public async Task A_task_past_its_timeout_fails_with_TaskTimeoutException_and_the_others_return()
    {
        using var never = new Gate();
        var path = never.Path;
        var lv = Cl.LoadBalancedView();
        var map = lv.MapAsync(x => x == 1 ? FarmSide.WaitCooperatively("slow", path) : x * 10, new[] { 0, 1, 2 }, ordered: false, timeout: TimeSpan.FromSeconds(1));
        var streamed = new List<int>();
        var failure = await Assert.ThrowsAsync<RemoteAggregateException>(async () =>
        {
            await foreach (var y in map)
            {
                streamed.Add(y);
            }
        });
        Assert.Equal([1], failure.TaskIndices);
        var timeout = Assert.IsType<TaskTimeoutException>(Assert.Single(failure.InnerExceptions));
        Assert.Equal(1, timeout.TaskIndex);
        Assert.Equal(TimeSpan.FromSeconds(1), timeout.Timeout);
        Assert.Equal([0, 20], streamed.Order());

        lv.Timeout = TimeSpan.FromMilliseconds(500);
        var single = await Assert.ThrowsAsync<TaskTimeoutException>(async () => await lv.ApplyAsync(() => FarmSide.WaitCooperatively("slow", path)));
        Assert.Equal(0, single.TaskIndex);
        Cl[..].ApplySync(() => Engine.Remove("slow"));
    }

    [Fact]
    public async Task A_running_task_that_ignores_its_token_is_stopped_by_restarting_its_engine()
    {
        await using var cluster = await Cluster.StartAsync(2, new ClusterOptions { InterruptGrace = TimeSpan.FromMilliseconds(300) });
        var cl = cluster.Client;
        var folder = starts;
        cl[..].PushSync(new { kept = 5 });
        var lv = cl.LoadBalancedView();
        var spin = lv.ApplyAsync(() => FarmSide.Started(folder, 0) + FarmSide.SpinForever());
        await Until(() => Directory.GetFiles(folder).Length == 1);
        var spun = spin.EngineIds[0];
        spin.Cancel();
        var restarted = await Assert.ThrowsAsync<EngineRestartedException>(async () => await spin);
        Assert.Equal(spun, restarted.EngineId);

        // The engine is back under its id, with an empty namespace; the other kept its variables.
        await cl.WaitForEnginesAsync(2, TimeSpan.FromMinutes(1));
        Assert.False(cl[spun].ApplySync(() => Engine.Contains("kept")));
        Assert.Equal(5, cl[1 - spun].PullSync<int>("kept"));

        // A map with a task that spins: the map ends, saying an engine was restarted.
        File.Delete(Directory.GetFiles(folder).Single());
        var map = lv.MapAsync(x => x == 3 ? FarmSide.Started(folder, x) + FarmSide.SpinForever() : x, Enumerable.Range(0, 8), chunkSize: 1);
        await Until(() => Directory.GetFiles(folder).Length == 1);
        map.Cancel();
        await Assert.ThrowsAsync<EngineRestartedException>(async () => await map);
        await cl.WaitForEnginesAsync(2, TimeSpan.FromMinutes(1));
        Assert.Equal([1, 2, 3], lv.MapSync(x => x + 1, new[] { 0, 1, 2 }));
    }

    [Fact]
    public async Task After_kill_minus_9_retries_deliver_every_result_exactly_once()
    {
        await using var cluster = await Cluster.StartAsync(3);
        var cl = cluster.Client;
        var lv = cl.LoadBalancedView();
        var items = Enumerable.Range(0, 300).ToArray();
        var map = lv.MapAsync(
            x =>
            {
                FarmSide.Count("ran");
                Thread.Sleep(5);
                return (x, Engine.Id);
            },
            items,
            retries: 1);
        await Until(() => map.Completed >= 30);
        cluster.GetEngine(1)!.Process.Kill(); // SIGKILL, mid-map
        var results = await map;

        Assert.Equal(items, results.Select(r => r.x));
        foreach (var survivor in new[] { 0, 2 })
        {
            // Every task a survivor ran delivered its result, and no result came from two runs there.
            Assert.Equal(results.Count(r => r.Id == survivor), cl[survivor].PullSync<int>("ran"));
        }

        Assert.Equal(results.Select(r => r.Id), map.EngineIds);
    }

    [Fact]
    public async Task Without_retries_the_task_lost_with_its_engine_fails_naming_its_index_and_the_others_return()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var cl = cluster.Client;
        using var gate = new Gate();
        var (path, folder) = (gate.Path, starts);
        var lv = cl.LoadBalancedView();
        var map = lv.MapAsync(x => FarmSide.Started(folder, x) + FarmSide.WaitCooperatively("w", path) * 0 + x, Enumerable.Range(0, 20), chunkSize: 1);
        await Until(() => Directory.GetFiles(folder).Length == 2);
        var onOne = int.Parse(Path.GetFileName(Directory.GetFiles(folder).Single(f => f.EndsWith("-on-1", StringComparison.Ordinal))).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture);
        cluster.GetEngine(1)!.Process.Kill();
        gate.Open();
        var failure = await Assert.ThrowsAsync<RemoteAggregateException>(async () => await map);

        // Only the task that was running there is lost; the one waiting behind it on that engine had not started and ran elsewhere.
        Assert.Equal([onOne], failure.TaskIndices);
        var died = Assert.IsType<EngineDiedException>(Assert.Single(failure.InnerExceptions));
        Assert.Equal(1, died.EngineId);
        Assert.Contains($"task {onOne} was on it", died.Message, StringComparison.Ordinal);
        Assert.Equal(20, map.Completed);
    }

    [Fact]
    public async Task A_dead_engine_is_skipped_a_restarted_one_rejoins_and_a_view_with_no_engine_left_fails_at_once()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var cl = cluster.Client;
        var lv = cl.LoadBalancedView();
        var onlyOne = cl.LoadBalancedView(new[] { 1 });
        cluster.GetEngine(1)!.Process.Kill();
        await Until(() => cl.Ids.Count == 1);

        Assert.Equal([0], cl[..].Targets);
        Assert.Equal([0], lv.Targets);
        var ids = await lv.MapAsync(_ => Engine.Id, Enumerable.Range(0, 50), chunkSize: 1);
        Assert.All(ids, id => Assert.Equal(0, id));
        var stranded = await Assert.ThrowsAsync<RemoteAggregateException>(async () => await onlyOne.MapAsync(x => x, new[] { 1, 2 }));
        Assert.All(stranded.InnerExceptions, e => Assert.Contains("no engine of the view [1]", e.Message, StringComparison.Ordinal));
        await Assert.ThrowsAsync<EngineDiedException>(async () => await onlyOne.ApplyAsync(() => 1));

        await cluster.RestartEngineAsync(1);
        var again = await lv.MapAsync(_ => Engine.Id, Enumerable.Range(0, 200), chunkSize: 1);
        Assert.Contains(1, again);
        Assert.Equal(1, await onlyOne.ApplyAsync(() => Engine.Id));
    }

    /// <summary>Waits for a condition the engines bring about; a guard against a hang, not a timed assertion.</summary>
    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 6000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the engines did not get there within a minute");
    }
}
