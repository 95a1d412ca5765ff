using MemoryPack;

namespace Parallax.Tests.Engines;

[Collection(EnginesCollection.Name)]
public class ClientTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    [Fact]
    public void Ids_and_views_select_engines_like_ipyparallel()
    {
        Assert.Equal([0, 1, 2], Cl.Ids);
        Assert.Equal([0, 1, 2], Cl[..].Targets);
        Assert.Equal([1, 2], Cl[1..3].Targets);
        Assert.Equal([2, 0], Cl[new[] { 2, 0 }].Targets);
        Assert.Equal([1], Cl[new List<int> { 1 }].Targets);
        Assert.Equal(2, Cl[^1].EngineId);
        Assert.Equal(0, Cl[0].EngineId);
        Assert.Throws<ArgumentOutOfRangeException>(() => Cl[3]);
    }

    [Fact]
    public void Apply_runs_on_every_target_in_target_order()
    {
        Assert.Equal(["Hello!", "Hello!", "Hello!"], Cl[..].Submit<string>(Stubs.Call(Stubs.Hello)).Get());
        Assert.Equal([2, 0, 1], Cl[new[] { 2, 0, 1 }].Submit<int>(Stubs.Call(Stubs.EngineId)).Get());
        Assert.Equal(1, Cl[1].Submit<int>(Stubs.Call(Stubs.EngineId)).Get());
        Assert.Equal([42, 42], Cl[0..2].Submit<int>(Stubs.Call(Stubs.Add, new[] { 40, 2 })).Get());
    }

    [Fact]
    public async Task Async_result_is_awaitable_and_reports_metadata_and_outputs()
    {
        var result = Cl[..].Submit(Stubs.Call(Stubs.Print));
        await result;
        Assert.True(result.Ready);
        Assert.True(result.Successful);
        Assert.True(result.Wait(TimeSpan.Zero));
        Assert.True(result.Elapsed > TimeSpan.Zero);
        Assert.Equal([0, 1, 2], result.Metadata.Select(m => m.EngineId));
        Assert.All(result.Metadata, m => Assert.True(m.Submitted <= m.Started!.Value.AddMilliseconds(50) && m.Started <= m.Completed));
        Assert.Equal(["hello from engine 0\n", "hello from engine 1\n", "hello from engine 2\n"], result.Stdout);
        Assert.All(result.Stderr, e => Assert.Equal("a warning\n", e));

        var shown = new StringWriter();
        result.DisplayOutputs(shown);
        Assert.Contains("[stdout:0] hello from engine 0", shown.ToString());
        Assert.Contains("[stdout:2] hello from engine 2", shown.ToString());
        Assert.Contains("[stderr:1] a warning", shown.ToString());

        var typed = await Cl[2].Submit<string>(Stubs.Call(Stubs.Hello));
        Assert.Equal("Hello!", typed);
    }

    [Fact]
    public void Get_with_a_timeout_throws_TimeoutException_while_the_call_runs()
    {
        var result = Cl[1].Submit(Stubs.Call(Stubs.Sleep, 1500));
        Assert.Throws<TimeoutException>(() => result.Get(TimeSpan.FromMilliseconds(1)));
        Assert.False(result.Ready);
        Assert.Throws<InvalidOperationException>(() => result.Successful);
        result.Get();
        Assert.True(result.Successful);
    }

    [Fact]
    public async Task Remote_exception_carries_the_remote_type_message_and_stack()
    {
        var single = await Assert.ThrowsAsync<RemoteException>(async () => await Cl[1].Submit<int>(Stubs.Call(Stubs.Throw)));
        Assert.Equal(1, single.EngineId);
        Assert.Equal("System.InvalidOperationException", single.RemoteType);
        Assert.Equal("the engine refuses", single.RemoteMessage);
        Assert.Contains("Thrower.Deeper", single.RemoteStackTrace);
        Assert.Contains("Thrower.Fail", single.RemoteStackTrace);
        Assert.Contains("remote stack trace", single.ToString());

        var several = Assert.Throws<RemoteExceptions>(() => Cl[..].Submit(Stubs.Call(Stubs.Throw)).Get());
        Assert.Equal([0, 1, 2], several.InnerExceptions.Cast<RemoteException>().Select(e => e.EngineId));

        var result = Cl[..].Submit(Stubs.Call(Stubs.Throw));
        Assert.True(result.Wait());
        Assert.False(result.Successful);

        // The engines keep serving after user code threw.
        Assert.Equal(["Hello!", "Hello!", "Hello!"], Cl[..].Submit<string>(Stubs.Call(Stubs.Hello)).Get());
    }

    [Fact]
    public void A_dispatch_id_nobody_registered_is_a_remote_error_that_says_so()
    {
        var error = Assert.Throws<RemoteException>(() => Cl[0].Submit<int>(Stubs.Call("no.such.stub")).Get());
        Assert.Contains("no.such.stub", error.RemoteMessage);
    }

    [Fact]
    public void Map_splits_items_into_blocks_and_returns_results_in_item_order()
    {
        var items = Enumerable.Range(0, 10).ToArray();
        var squares = Cl[..].SubmitMap<int, int>(Stubs.Square, Stubs.AssemblyPath, items, block => MemoryPackSerializer.Serialize(block)).Get();
        Assert.Equal(items.Select(x => x * x), squares);
        Assert.Equal([(0, 4), (4, 3), (7, 3)], Enumerable.Range(0, 3).Select(i => DirectView.Partition(10, 3, i)));
    }

    [Fact]
    public void Large_arguments_travel_through_shared_memory()
    {
        var big = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray();
        var echoed = Cl[..].Submit<double[]>(new EngineCall(Stubs.Echo, MemoryPackSerializer.Serialize(big), Stubs.AssemblyPath)).Get();
        Assert.All(echoed, e => Assert.Equal(big, e));
        // The client's argument segment is gone; what may remain are engines' reply segments released
        // for reuse (ReplySegments) and the client's push segments (PushSegments), each pool bounded.
        var left = Directory.EnumerateFiles("/dev/shm", $"parallax-{fixture.Cluster.Connection.ClusterId}-*").ToArray();
        Assert.InRange(left.Count(f => f.EndsWith(".free", StringComparison.Ordinal)), 0, 3 * global::Parallax.Engines.ReplySegments.Capacity);
        Assert.InRange(left.Count(f => !f.EndsWith(".free", StringComparison.Ordinal)), 0, global::Parallax.Engines.PushSegments.Capacity);
    }

    [Fact]
    public void The_seed_flow_pushes_a_and_b_multiplies_on_every_engine_and_pulls_c()
    {
        const int n = 300;
        var a = Matrices.Random(n, n, 1);
        var b = Matrices.Random(n, n, 2);
        var v = Cl[..];
        v.Push(new { a, b });
        v.Submit(Stubs.Call(Stubs.Multiply)).Get();
        double[][,] dot = v.Pull<double[,]>("c");

        var expected = Matrices.Multiply(a, b);
        Assert.Equal(3, dot.Length);
        Assert.All(dot, c => Assert.Equal(expected, c));
    }

    [Fact]
    public void Engine_code_sets_tests_and_removes_its_own_variables()
    {
        Assert.All(Cl[..].Submit<bool[]>(Stubs.Call(Stubs.NamespaceOps)).Get(), flags => Assert.Equal([true, true, false, false, true], flags));
    }

    [Fact]
    public async Task Cancelling_stops_waiting_but_not_the_engines()
    {
        using var cancel = new CancellationTokenSource();
        var result = Cl[0].Submit(Stubs.Call(Stubs.Sleep, 300), cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await result);
        Assert.Equal("Hello!", Cl[0].Submit<string>(Stubs.Call(Stubs.Hello)).Get()); // queued behind the sleep, which finished
        Assert.True(result.Ready);
    }

    [Fact]
    public void Engine_namespace_is_only_for_engine_code()
    {
        Assert.False(Engine.IsEngine);
        var error = Assert.Throws<InvalidOperationException>(() => Engine.Get<int>("a"));
        Assert.Contains("only in code that runs on an engine", error.Message);
    }
}
