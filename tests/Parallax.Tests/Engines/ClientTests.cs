using System.Globalization;
using Parallax.CompilerServices;

namespace Parallax.Tests.Engines;

// Every remote call here is what a user writes: a lambda, a method group or a [ParallelEngine]
// helper, dispatched through the stubs and interceptors the generator emitted for this project.
// Lambdas never touch `fixture` (an instance member would be PAR2005): views are taken outside them.
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
    public void ApplySync_runs_a_lambda_or_a_method_group_on_every_target_in_target_order()
    {
        string[] hello = Cl[..].ApplySync(() => "Hello!");
        Assert.Equal(["Hello!", "Hello!", "Hello!"], hello);
        Assert.Equal(["Hello!", "Hello!", "Hello!"], Cl[..].ApplySync(Kernels.Hello));
        Assert.Equal([2, 0, 1], Cl[new[] { 2, 0, 1 }].ApplySync(() => Engine.Id));
        Assert.Equal([0, 2], Cl[new[] { 0, 2 }].ApplySync(() => Engine.Id));
        Assert.Equal([1, 2], Cl[1..3].ApplySync(() => Engine.Id));
        int single = Cl[1].ApplySync(() => Engine.Id);
        Assert.Equal(1, single);
        Assert.Equal(2, Cl[^1].ApplySync(() => Engine.Id));
        Assert.Equal("Hello!", Cl[0].ApplySync(Kernels.Hello));
        Assert.All(Cl[..].ApplySync(() => Engine.IsEngine && Environment.ProcessId != 0), b => Assert.True(b));
        var enginePids = Cl[..].ApplySync(() => Environment.ProcessId);
        Assert.DoesNotContain(Environment.ProcessId, enginePids);
        Assert.Subset(EngineProcesses.OfThisProcess().ToHashSet(), enginePids.ToHashSet()); // what the fixture's no-orphan check looks for
    }

    [Fact]
    public void Captured_locals_of_every_kind_travel_with_the_lambda()
    {
        int n = 21;
        string greeting = "Привет";
        double[] xs = [1.5, 2.5, -4];
        var particle = new Particle("p", [1, 2, 3], -1);
        var texts = Cl[..].ApplySync(() => string.Create(CultureInfo.InvariantCulture, $"{greeting} {n * 2} {xs.Sum()} {xs.Length} {particle.Name}{particle.Position[2]}{particle.Charge} on {Engine.Id}"));
        Assert.Equal(["Привет 42 0 3 p3-1 on 0", "Привет 42 0 3 p3-1 on 1", "Привет 42 0 3 p3-1 on 2"], texts);

        // A record comes back as a result too, built on the engine from the captured one.
        var moved = Cl[2].ApplySync(() => particle with { Position = [.. particle.Position.Select(p => p + n)], Charge = Engine.Id });
        Assert.Equal(("p", 2), (moved.Name, moved.Charge));
        Assert.Equal([22.0, 23, 24], moved.Position);

        // Variables of outer scopes live on closures the inner one links to; a method parameter is captured like a local.
        var scale = 3;
        foreach (var k in new[] { 1, 2 })
        {
            Assert.Equal([0, 3 * k, 6 * k], Cl[..].ApplySync(() => Engine.Id * k * scale));
        }

        Assert.Equal([0, 7, 14], TimesEngineId(Cl[..], 7));
    }

    private static int[] TimesEngineId(DirectView view, int factor) => view.ApplySync(() => Engine.Id * factor);

    [Fact]
    public void Engine_code_sets_reads_tests_and_removes_its_own_variables()
    {
        var v = Cl[..];
        v.ApplySync(() => Engine.Set("tmp", Engine.Id * 10));
        Assert.Equal([0, 10, 20], v.ApplySync(() => Engine.Get<int>("tmp")));
        Assert.Equal([0, 10, 20], v.PullSync<int>("tmp"));
        Assert.All(v.ApplySync(() => Engine.Contains("tmp")), b => Assert.True(b));
        Assert.All(v.ApplySync(() => Engine.Remove("tmp")), b => Assert.True(b));
        Assert.All(v.ApplySync(() => Engine.Contains("tmp") || Engine.Remove("tmp")), b => Assert.False(b));
        var missing = Assert.Throws<RemoteException>(() => Cl[0].ApplySync(() => Engine.Get<int>("tmp")));
        Assert.Equal(typeof(KeyNotFoundException).FullName, missing.RemoteType);
    }

    [Fact]
    public async Task ApplyAsync_and_Apply_are_awaitable_on_every_kind_of_view()
    {
        var k = 5;
        int[] all = await Cl[..].ApplyAsync(() => Engine.Id + k);
        Assert.Equal([5, 6, 7], all);
        string one = await Cl[2].ApplyAsync(() => "Hello!");
        Assert.Equal("Hello!", one);
        await Cl[0..2].ApplyAsync(() => Engine.Set("flag", k));
        Assert.Equal([5, 5], Cl[0..2].PullSync<int>("flag"));
        await Cl[2].ApplyAsync(() => Engine.Set("flag", -k));
        Assert.Equal(-5, Cl[2].PullSync<int>("flag"));
        int[] pair = await Cl[new[] { 0, 2 }].ApplyAsync(() => Engine.Id * k);
        Assert.Equal([0, 10], pair);
        await Cl[1].ApplyAsync(() => Engine.Set("flag", 0));
        Assert.Equal([5, 0, -5], Cl[..].PullSync<int>("flag"));
        using var cancel = new CancellationTokenSource();
        Assert.Equal(1, await Cl[1].ApplyAsync(() => Engine.Id, cancel.Token));
    }

    [Fact]
    public async Task Map_splits_items_into_blocks_and_returns_results_in_item_order()
    {
        var items = Enumerable.Range(0, 10).ToArray();
        var offset = 100;
        Assert.Equal(items.Select(x => x + offset), Cl[..].MapSync(x => x + offset, items));
        Assert.Equal(items.Select(x => (long)x * x), Cl[..].MapSync(Kernels.Square, items));
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 2, 2, 2], Cl[..].MapSync(_ => Engine.Id, items)); // ipyparallel's blocks: 4, 3, 3
        string[] texts = await Cl[1..3].MapAsync(x => x.ToString(CultureInfo.InvariantCulture), new List<int> { 0, 1, 2 });
        Assert.Equal(["0", "1", "2"], texts);
        Assert.Equal([2, 4], Cl[..].MapSync(x => x * 2, new[] { 1, 2 })); // fewer items than engines: one block is empty
        long[] squares = await Cl[..].MapAsync(Kernels.Square, new[] { 0, 1, 2 });
        Assert.Equal([0, 1, 4], squares);
        Assert.Empty(Cl[..].MapSync(x => x + offset, Array.Empty<int>()));

        // A block that throws fails the map with that engine's exception; each block's output is its engine's.
        var divide = Assert.Throws<RemoteException>(() => Cl[..].MapSync(x => 10 / x, new[] { 1, 0, 2 }));
        Assert.Equal((1, typeof(DivideByZeroException).FullName), (divide.EngineId, divide.RemoteType));
        var printed = Cl[..].MapAsync(x => { Console.Write(x); return x; }, new[] { 7, 8, 9 });
        int[] echoed = await printed;
        Assert.Equal([7, 8, 9], echoed);
        Assert.Equal(["7", "8", "9"], printed.Stdout);
    }

    [Fact]
    public async Task ParallelEngine_methods_run_through_their_generated_helpers()
    {
        var a = new double[,] { { 1, 2 }, { 3, 4 } };
        double[][,] all = await Kernels.Remote.ScaleAsync(Cl[..], a, 2.0);
        Assert.Equal(3, all.Length);
        Assert.All(all, c => Assert.Equal(new double[,] { { 2, 4 }, { 6, 8 } }, c));
        double[,] one = Kernels.Remote.ScaleSync(Cl[1], a, -1);
        Assert.Equal(new double[,] { { -1, -2 }, { -3, -4 } }, one);

        await Kernels.Remote.GreetAsync(Cl[..], "greeting", new Particle("Ada", [], 0));
        Assert.Equal(["Ada on engine 0", "Ada on engine 1", "Ada on engine 2"], Cl[..].PullSync<string>("greeting"));

        // The method called from a lambda runs the same code on the engine.
        Assert.All(Cl[..].ApplySync(() => Kernels.Scale(a, 0.5)), c => Assert.Equal(new double[,] { { 0.5, 1 }, { 1.5, 2 } }, c));
    }

    [Fact]
    public async Task Remote_exception_carries_the_remote_type_message_and_stack()
    {
        var message = "the engine refuses";
        var single = await Assert.ThrowsAsync<RemoteException>(async () => await Cl[1].ApplyAsync(() => Thrower.Fail(message)));
        Assert.Equal(1, single.EngineId);
        Assert.Equal("System.InvalidOperationException", single.RemoteType);
        Assert.Equal(message, single.RemoteMessage);
        Assert.Contains("Thrower.Deeper", single.RemoteStackTrace);
        Assert.Contains("Thrower.Fail", single.RemoteStackTrace);
        Assert.Contains("Parallax.Generated.ClientTests_Remote_exception", single.RemoteStackTrace); // the generated stub's frame
        Assert.Contains("remote stack trace", single.ToString());

        // Several engines fail: the aggregate holds each one's exception, in target order.
        var several = Assert.Throws<RemoteAggregateException>(() => Cl[..].ApplySync(() => Thrower.Fail($"engine {Engine.Id} refuses")));
        var each = several.InnerExceptions.Cast<RemoteException>().ToArray();
        Assert.Equal([0, 1, 2], each.Select(e => e.EngineId));
        Assert.Equal(["engine 0 refuses", "engine 1 refuses", "engine 2 refuses"], each.Select(e => e.RemoteMessage));
        Assert.All(each, e => Assert.Contains("Thrower.Deeper", e.RemoteStackTrace));

        // One engine of three fails: its exception alone.
        var partial = Assert.Throws<RemoteException>(() => Cl[..].ApplySync(() => Engine.Id == 2 ? Thrower.Fail("only 2") : Engine.Id));
        Assert.Equal((2, "only 2"), (partial.EngineId, partial.RemoteMessage));

        var helper = Assert.Throws<RemoteAggregateException>(() => Kernels.Remote.ExplodeSync(Cl[0..2], "boom"));
        Assert.All(helper.InnerExceptions.Cast<RemoteException>(), e => Assert.Contains("Kernels.Explode", e.RemoteStackTrace));

        var result = Cl[..].ApplyAsync(() => Thrower.Fail(message));
        Assert.True(result.Wait());
        Assert.False(result.IsSuccessful);

        // The engines keep serving after user code threw.
        Assert.Equal(["Hello!", "Hello!", "Hello!"], Cl[..].ApplySync(() => "Hello!"));
    }

    [Fact]
    public async Task Async_result_reports_state_metadata_and_each_engines_output()
    {
        var result = Cl[..].ApplyAsync(() =>
        {
            Console.WriteLine($"hello from engine {Engine.Id}");
            Console.Error.WriteLine("a warning");
        });
        await result;
        Assert.True(result.IsReady);
        Assert.True(result.IsSuccessful);
        Assert.True(result.Wait(TimeSpan.Zero));
        Assert.True(result.Elapsed > TimeSpan.Zero);
        Assert.Equal(result.Elapsed, result.Elapsed); // frozen once the call is over
        Assert.Equal([0, 1, 2], result.EngineIds);
        Assert.Equal([0, 1, 2], result.Metadata.Select(m => m.EngineId));
        Assert.All(result.Metadata, m => Assert.True(m.Started <= m.Completed));
        Assert.Equal(["hello from engine 0\n", "hello from engine 1\n", "hello from engine 2\n"], result.Stdout);
        Assert.All(result.Stderr, e => Assert.Equal("a warning\n", e));

        var shown = new StringWriter();
        result.DisplayOutputs(shown);
        Assert.Equal(
            "[stdout:0] hello from engine 0\n[stderr:0] a warning\n[stdout:1] hello from engine 1\n[stderr:1] a warning\n[stdout:2] hello from engine 2\n[stderr:2] a warning\n",
            shown.ToString().ReplaceLineEndings("\n"));

        // Output belongs to the call that printed it: the next call starts empty.
        var quiet = Cl[0].ApplyAsync(() => Engine.Id);
        Assert.Equal(0, await quiet);
        Assert.Equal([""], quiet.Stdout);
    }

    [Fact]
    public void Wait_and_Get_with_a_timeout_report_a_call_that_is_still_running()
    {
        using var gate = new Gate();
        var path = gate.Path;
        var result = Cl[1].ApplyAsync(() => EngineSide.WaitFor(path));
        Assert.False(result.Wait(TimeSpan.FromMilliseconds(1)));
        Assert.Throws<TimeoutException>(() => result.Get(TimeSpan.FromMilliseconds(1)));
        Assert.False(result.IsReady);
        Assert.Throws<InvalidOperationException>(() => result.IsSuccessful);
        Assert.Null(result.Metadata[0].Completed);

        gate.Open();
        Assert.Equal(1, result.Get(TimeSpan.FromMinutes(1)));
        Assert.True(result.IsReady);
        Assert.True(result.IsSuccessful);
        Assert.True(result.Metadata[0].Submitted <= result.Metadata[0].Completed!.Value.AddSeconds(1)); // clocks of two processes: allow skew
    }

    [Fact]
    public async Task Cancelling_a_call_stops_it_on_its_engine_which_keeps_its_namespace()
    {
        using var gate = new Gate();
        var path = gate.Path;
        Cl[0].PushSync("kept", 3);
        using var cancel = new CancellationTokenSource();
        var result = Cl[0].ApplyAsync(() => FarmSide.WaitCooperatively("cancelled", path), cancel.Token);
        cancel.Cancel(); // dropped if the engine has not started it, else its token is cancelled: either way it stops

        var stopped = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await result);
        Assert.IsNotType<EngineRestartedException>(stopped);
        Assert.True(result.IsReady);
        Assert.False(result.IsSuccessful);
        Assert.Equal(3, Cl[0].PullSync<int>("kept"));
        Assert.Equal("Hello!", Cl[0].ApplySync(() => "Hello!"));
        Cl[0].ApplySync(() => Engine.Remove("cancelled"));
        Cl[0].ApplySync(() => Engine.Remove("kept"));
    }

    [Fact]
    public void Large_captures_and_results_travel_through_shared_memory()
    {
        var big = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray();
        var echoed = Cl[..].ApplySync(() => big);
        Assert.All(echoed, e => Assert.Equal(big, e));
        Assert.Equal([big.Sum(), big.Sum(), big.Sum()], Cl[..].ApplySync(() => big.Sum()));
        ClusterFixture.AssertSharedMemoryBounded(fixture.Cluster);
    }

    [Fact]
    public void A_dispatch_id_nobody_registered_is_a_remote_error_that_says_so()
    {
        // Not what users write: an engine of another build of the program would see an unknown id like this.
        var error = Assert.Throws<RemoteException>(() => EngineSubmit.Submit<int>(Cl[0], new EngineCall("no.such.stub", [], typeof(ClientTests).Assembly.Location)).Get());
        Assert.Contains("no.such.stub", error.RemoteMessage);
    }

    [Fact]
    public void Engine_namespace_is_only_for_engine_code()
    {
        Assert.False(Engine.IsEngine);
        var error = Assert.Throws<InvalidOperationException>(() => Engine.Get<int>("a"));
        Assert.Contains("only in code that runs on an engine", error.Message);
    }
}
