using System.Diagnostics;
using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Cli;

/// <summary>
/// What a standing daemon keeps running, one implementation per backend: local engine processes
/// (<see cref="Cluster"/>) or silo processes (<see cref="LocalSilos"/>). Either way the processes are
/// the daemon's children and end with it; disposing stops them the ordered way.
/// </summary>
internal interface IStandingEngines : IAsyncDisposable
{
    /// <summary>Gets the profile's <c>backend</c> value.</summary>
    string Backend { get; }

    /// <summary>Gets the profile field that tells this cluster from another started later under the same profile.</summary>
    string IdentityField { get; }

    /// <summary>Gets the backend's fields of the profile (what a client needs to connect).</summary>
    IEnumerable<KeyValuePair<string, string>> Fields { get; }

    /// <summary>Gets the process of engine <paramref name="engineId"/>, or null when it is not running.</summary>
    Process? EngineProcess(int engineId);

    /// <summary>The daemon's housekeeping, once a second.</summary>
    void Tick(LineLogger log);
}

/// <summary>Engine processes on this machine behind Unix sockets and shared memory: the <c>local</c> backend.</summary>
internal sealed class StandingLocalEngines(Cluster cluster) : IStandingEngines
{
    public string Backend => ClusterProfile.LocalBackend;

    public string IdentityField => "clusterId";

    public IEnumerable<KeyValuePair<string, string>> Fields => cluster.Connection.ToFields();

    public static async Task<IStandingEngines> StartAsync(int engines, LineLogger log, CancellationToken cancellationToken) =>
        new StandingLocalEngines(await Cluster.StartAsync(engines, new ClusterOptions { Logger = log }, cancellationToken).ConfigureAwait(false));

    public Process? EngineProcess(int engineId) => cluster.GetEngine(engineId)?.Process;

    public void Tick(LineLogger log)
    {
        if (ClientLease.SweepDead(cluster.Connection.SegmentFolder) is > 0 and var swept)
        {
            log.Write($"removed the shared-memory segments of {swept} client(s) that ended without disconnecting");
        }
    }

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}

/// <summary>Silo processes on this machine, one engine each, with mutual TLS: the <c>orleans</c> backend.</summary>
internal sealed class StandingSilos(LocalSilos silos) : IStandingEngines
{
    private readonly bool[] reported = new bool[silos.Info.EngineCount];

    public string Backend => OrleansBackend.BackendName;

    public string IdentityField => "cluster";

    public IEnumerable<KeyValuePair<string, string>> Fields => OrleansBackend.Fields(silos.Info);

    /// <summary>Starts the silos; their credentials live in <paramref name="folder"/> (inside the profile's 0700 folder) until they stop; <paramref name="membership"/> is where they keep their membership table (null: engine 0's silo).</summary>
    public static async Task<IStandingEngines> StartAsync(int engines, string folder, string? membership, CancellationToken cancellationToken) =>
        new StandingSilos(await LocalSilos.StartAsync(engines, folder, membership, cancellationToken).ConfigureAwait(false));

    public Process? EngineProcess(int engineId) => silos.Process(engineId) is { HasExited: false } process ? process : null;

    public void Tick(LineLogger log)
    {
        for (var id = 0; id < reported.Length; id++)
        {
            if (!reported[id] && EngineProcess(id) is null)
            {
                reported[id] = true;
                log.Write($"the silo of engine {id} ended; clients see engine {id} as dead. Its last log lines: {string.Join(" | ", silos.Log.Where(l => l.Contains($"engine-{id}", StringComparison.Ordinal)).TakeLast(5))}");
            }
        }
    }

    public ValueTask DisposeAsync() => silos.DisposeAsync();
}
