namespace Parallax.Tests.Engines;

/// <summary>One 3-engine cluster shared by the tests that do not kill engines: starting engines is the slow part.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public Client Client => Cluster.Client;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(3, new ClusterOptions { SharedMemoryThreshold = 64 << 10 });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Waits (without a time assertion) until an engine has logged a line containing <paramref name="text"/>.</summary>
    public static async Task<string> WaitForLog(Cluster cluster, string text)
    {
        for (var i = 0; i < 400; i++)
        {
            if (cluster.EngineLog.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(25);
        }

        throw new Xunit.Sdk.XunitException($"no engine logged '{text}'. Log:\n{string.Join("\n", cluster.EngineLog)}");
    }
}

/// <summary>Engine tests start real processes: they run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EnginesCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Engines";
}
