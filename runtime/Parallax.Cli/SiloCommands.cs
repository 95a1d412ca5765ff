using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Cli;

/// <summary>
/// <c>parallax silo start</c>: this machine's share of a cluster whose silos run on several machines
/// and keep their membership in Redis. It claims engine ids in that Redis (<see cref="EngineClaims"/>),
/// starts one silo process per engine (as <c>cluster start --backend orleans</c> does: a crash or a
/// kill -9 takes one engine, never its neighbours), and stays in the foreground, supervising them: a
/// silo that dies is started again under its engine id (it rejoins with an empty namespace, as after
/// any restart). Ctrl+C or SIGTERM stops the silos and releases the ids; if this process is killed
/// outright, the silos end with it (their stdin closes) and the ids lapse after <see cref="EngineClaims.Lease"/>.
/// </summary>
internal static class SiloCommands
{
    /// <summary>How often the supervisor looks for silos that died.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>What <c>silo start</c> was asked for, with what it read from a profile already filled in.</summary>
    public sealed record Request(int Engines, string Cluster, string Membership, string Certificate, IPAddress Address, int? PortBase, int? FirstId);

    /// <summary>
    /// Fills in what the command line left out from <paramref name="profile"/> (its cluster, membership and
    /// certificate) and, for the membership, from <see cref="Membership.EnvironmentVariable"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Something needed is given nowhere, or the profile is not an orleans one.</exception>
    public static Request Resolve(int engines, string? profile, string? cluster, string? membership, string? certificate, string address, int? portBase, int? firstId)
    {
        ClusterProfile? record = null;
        if (profile is not null)
        {
            var path = ClusterProfile.FileOf(profile);
            record = File.Exists(path)
                ? ClusterProfile.Read(path)
                : throw new ArgumentException($"There is no profile '{profile}' ({path}). Write it with `parallax cluster start --backend orleans --membership redis://HOST:PORT --cluster NAME --profile {profile}`, or give --cluster, --membership and --cert.");
            if (record.Backend != OrleansBackend.BackendName)
            {
                throw new ArgumentException($"Profile '{profile}' is a {record.Backend} cluster, not one of Orleans silos.");
            }
        }

        cluster ??= record?.Fields.GetValueOrDefault("cluster")
            ?? throw new ArgumentException("Which cluster? Give --cluster NAME, or --profile NAME of a profile written by `parallax cluster start --backend orleans --cluster NAME`.");
        membership ??= (Environment.GetEnvironmentVariable(Membership.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null)
            ?? record?.Fields.GetValueOrDefault("membership")
            ?? throw new ArgumentException($"Where is the cluster's Redis? Give --membership redis://HOST:PORT (or set {Membership.EnvironmentVariable}, which keeps a password out of ps), or --profile NAME.");
        certificate ??= record?.Fields.GetValueOrDefault("credentials")
            ?? throw new ArgumentException("Which certificate? Give --cert PATH (the cluster.pfx that `parallax cluster start --cluster` wrote into its profile, copied here with mode 0600), or --profile NAME.");
        var ip = IPAddress.TryParse(address, out var parsed)
            ? parsed
            : throw new ArgumentException($"--address '{address}' is not an IP address: give the address of this machine that the others reach, e.g. 10.0.0.7.");
        _ = Membership.Checked(membership);
        return new Request(engines, cluster, membership, certificate, ip, portBase, firstId);
    }

    /// <summary>Claims ids, starts the silos, and supervises them until Ctrl+C or SIGTERM.</summary>
    public static async Task<int> RunAsync(Request request, LineLogger log, CancellationToken cancellationToken)
    {
        try
        {
            // Read here, so that a missing or world-readable certificate fails before any id is claimed.
            _ = ClusterCredentials.Read(request.Certificate);
        }
        catch (Exception ex) when (ex is FileNotFoundException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = StopSignals.Cancel(stop, log, PosixSignal.SIGTERM, PosixSignal.SIGINT);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var redacted = Membership.Redacted(request.Membership);
        EngineClaims claims;
        try
        {
            claims = await EngineClaims.TakeAsync(request.Membership, request.Cluster, request.Engines, request.FirstId, id =>
            {
                log.Write($"engine {id}'s id was taken by another process (this one could not reach {redacted} for {EngineClaims.Lease.TotalSeconds:F0} s): stopping, so that two silos never serve one engine");
                stop.Cancel();
            }, stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or StackExchange.Redis.RedisException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"Could not claim engine ids of cluster '{request.Cluster}' in {redacted}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Failed;
        }

        await using (claims.ConfigureAwait(false))
        {
            LocalSilos silos;
            try
            {
                silos = await LocalSilos.JoinAsync(request.Cluster, request.Certificate, request.Membership, claims.Ids, request.Address, request.PortBase, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Failed;
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or FileNotFoundException or System.Net.Sockets.SocketException)
            {
                await Console.Error.WriteLineAsync($"The silos of engines {string.Join(", ", claims.Ids)} did not start: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await using (silos.ConfigureAwait(false))
            {
                Console.Out.WriteLine(ReadyMessage(request, claims.Ids, started.Elapsed));
                Console.Out.Flush();
                await SuperviseAsync(silos, log, stop.Token).ConfigureAwait(false);
                log.Write($"stopping the silos of engines {string.Join(", ", claims.Ids)}");
            }
        }

        log.Write("stopped; the engine ids are released");
        return ExitCodes.Ok;
    }

    /// <summary>The line <c>silo start</c> prints once its silos have joined (tests wait for its start).</summary>
    public static string ReadyMessage(Request request, IReadOnlyList<int> ids, TimeSpan took) =>
        $"Ready: engines {string.Join(", ", ids)} of cluster '{request.Cluster}' on {request.Address} in {took.TotalSeconds:F2} s (membership {Membership.Redacted(request.Membership)}). " +
        "Clients connect through a profile of the cluster (parallax cluster start --backend orleans --cluster ...). Ctrl+C stops these silos.";

    /// <summary>Starts again, under its id, every silo that died, until <paramref name="stop"/>.</summary>
    private static async Task SuperviseAsync(LocalSilos silos, LineLogger log, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (var id in silos.EngineIds)
                {
                    if (silos.Process(id) is { HasExited: false })
                    {
                        continue;
                    }

                    log.Write($"the silo of engine {id} ended ({Exit(silos.Process(id))}); starting it again under its id. Its last log lines: {string.Join(" | ", silos.Log.Where(l => l.Contains(EnginePlacement.SiloName(id), StringComparison.Ordinal)).TakeLast(5))}");
                    try
                    {
                        await silos.RestartAsync(id, stop).ConfigureAwait(false);
                        log.Write($"engine {id} is back (an empty namespace)");
                    }
                    catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
                    {
                        log.Write($"engine {id} did not come back: {ex.Message}; trying again");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        static string Exit(System.Diagnostics.Process? process) => process is { HasExited: true }
            ? $"exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}"
            : "killed";
    }
}
