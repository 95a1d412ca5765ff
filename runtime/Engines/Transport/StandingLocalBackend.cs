using System.Net.Sockets;

namespace Parallax.Engines.Transport;

/// <summary>
/// A client of a standing cluster on this machine (<c>parallax cluster start</c>): the same
/// <see cref="LocalEngines"/> as a cluster this program starts, its connections attached to engines
/// the cluster's daemon runs, with no process of its own. It shares the cluster's shared-memory folder
/// with the other clients under a <see cref="ClientLease"/>, and disposing it lets go of the engines
/// without stopping them.
/// </summary>
internal sealed class StandingLocalBackend : IEnginesBackend
{
    public string Name => ClusterProfile.LocalBackend;

    public Task<IEngines> ConnectAsync(ClusterProfile profile, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var info = ConnectionInfo.FromFields(profile.Fields, profile.FilePath);
        if (!profile.IsRunning || !Directory.Exists(info.SegmentFolder))
        {
            throw NotRunning(profile.Name, $"its daemon (process {profile.DaemonPid}) has ended");
        }

        // Frames and metadata are one version's: a cluster of another Parallax would fail in obscure ways.
        var mine = typeof(StandingLocalBackend).Assembly.GetName().Version?.ToString() ?? "unknown";
        if (profile.Version != mine)
        {
            throw new InvalidOperationException(
                $"The cluster of profile '{profile.Name}' runs Parallax {profile.Version} and this program Parallax {mine}; a client and its engines must be one version. " +
                $"Install the parallax tool of this program's version (dotnet tool update --global Parallax.Cli --version {mine}), stop and start the cluster, then connect again.");
        }

        ClientLease lease;
        try
        {
            lease = ClientLease.Take(info.SegmentFolder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotRunning(profile.Name, $"its shared-memory folder cannot be used ({ex.Message})");
        }

        var engines = new LocalEngines(profile.EngineCount, info, nameof(Client), lease, id => ExplainGone(profile, id));
        var unreachable = new List<string>();
        for (var id = 0; id < profile.EngineCount; id++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                engines.Attach(id, process: null, log: _ => { });
            }
            catch (Exception ex) when (ex is SocketException or IOException or InvalidOperationException or FrameRejectedException or FrameCorruptException)
            {
                // A dead engine stays dead in a standing cluster: the others serve, and this one's requests say why.
                unreachable.Add($"engine {id}: {ex.Message}");
            }
        }

        if (unreachable.Count == profile.EngineCount)
        {
            _ = engines.DisposeAsync();
            throw NotRunning(profile.Name, "none of its engines answers (" + string.Join("; ", unreachable) + ")");
        }

        return Task.FromResult<IEngines>(engines);
    }

    /// <summary>The failure of a connection to a cluster that is not running, naming the command that starts it.</summary>
    public static InvalidOperationException NotRunning(string profile, string why) => new(
        $"No Parallax cluster is running for profile '{profile}': {why}. Start it with `{ClusterProfile.StartCommand(profile)}`, then connect again.");

    /// <summary>Why an engine of a standing cluster is gone: the whole cluster stopped, or that one engine ended.</summary>
    private static string ExplainGone(ClusterProfile profile, int engineId)
    {
        bool stillListed;
        try
        {
            stillListed = File.Exists(profile.FilePath) && ClusterProfile.Read(profile.FilePath).Daemon == profile.Daemon;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            stillListed = false;
        }

        return stillListed && profile.IsRunning
            ? $"its process ended (killed, or crashed); the cluster of profile '{profile.Name}' still runs its other engines, and `parallax cluster list` shows which are alive"
            : $"the cluster of profile '{profile.Name}' was stopped (`parallax cluster stop`, or its daemon ended); start it again with `{ClusterProfile.StartCommand(profile.Name)}` and connect a new client";
    }
}
