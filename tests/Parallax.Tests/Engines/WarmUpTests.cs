using System.Runtime.CompilerServices;

namespace Parallax.Tests.Engines;

/// <summary>
/// The warm-up call each engine runs as it starts (<see cref="ClusterOptions.IsWarmUpEnabled"/>): the
/// client's dispatch assemblies are loaded there before the start returns, so the first map does not pay for it.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class WarmUpTests
{
    [Fact]
    public async Task A_started_engine_has_loaded_the_clients_dispatch_assembly_before_the_start_returns()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var returned = DateTime.UtcNow;

        var loaded = cluster.Client[..].ApplySync(() => WarmUpProbe.LoadedAtUtc);

        Assert.All(loaded, at => Assert.True(at < returned, $"the engine loaded this assembly at {at:O}, after the start returned at {returned:O}"));
    }

    [Fact]
    public async Task Without_the_warm_up_an_engine_loads_the_assembly_at_its_first_call()
    {
        await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { IsWarmUpEnabled = false });
        var returned = DateTime.UtcNow;

        var loaded = cluster.Client[0].ApplySync(() => WarmUpProbe.LoadedAtUtc);

        Assert.True(loaded > returned, $"the engine loaded this assembly at {loaded:O}, before the start returned at {returned:O}");
    }

    [Fact]
    public async Task A_restarted_engine_is_warmed_up_again_and_the_farm_uses_it()
    {
        await using var cluster = await Cluster.StartAsync(1);
        await cluster.RestartEngineAsync(0);
        var returned = DateTime.UtcNow;

        var loaded = cluster.Client.LoadBalancedView().MapSync(_ => WarmUpProbe.LoadedAtUtc, new int[3]);

        Assert.All(loaded, at => Assert.True(at < returned, $"the restarted engine loaded this assembly at {at:O}, after the restart returned at {returned:O}"));
    }
}

/// <summary>When this test assembly was loaded in the current process: on an engine, by the warm-up or by the first call.</summary>
internal static class WarmUpProbe
{
    public static DateTime LoadedAtUtc { get; private set; }

#pragma warning disable CA2255 // A test assembly's own module initializer: it records when the engine loaded the assembly.
    [ModuleInitializer]
    internal static void Record() => LoadedAtUtc = DateTime.UtcNow;
#pragma warning restore CA2255
}
