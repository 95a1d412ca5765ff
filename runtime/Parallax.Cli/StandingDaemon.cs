using System.Globalization;
using System.Runtime.InteropServices;
using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Cli;

/// <summary>
/// The process that keeps a standing cluster: <c>parallax cluster start</c> runs it detached (a session
/// of its own, its console in the profile's <c>cluster.log</c>), <c>--foreground</c> runs it in the
/// terminal. It owns the engines exactly as a program's <see cref="Cluster"/> does (it is one, or, for
/// <c>--backend orleans</c>, it keeps one silo process per engine, <see cref="IStandingEngines"/>): they
/// are its children, their stdin is its pipe, so when it ends however it ends, they end, and when it is
/// killed with -9 they remove the cluster's files as they go. Clients connect to the engines directly;
/// the daemon is on no request's path. While it runs it:
/// <list type="bullet">
/// <item>holds an exclusive lock on the profile's <c>daemon.lock</c> (two starts of one profile cannot both win);</item>
/// <item>every second removes the segments of clients that died (<see cref="ClientLease.SweepDead"/>);</item>
/// <item>stops the cluster when its record, the profile's connection file, is gone or names another cluster;</item>
/// <item>stops it on SIGTERM (<c>parallax cluster stop</c>), SIGINT (Ctrl+C in the foreground) or SIGHUP.</item>
/// </list>
/// Stopping removes the record first, so that a client connecting meanwhile fails at once, then stops
/// the engines the ordered way (stop byte, shutdown frame) and removes the cluster's folders.
/// </summary>
internal sealed class StandingDaemon(string profile, int engines, string backend, string? membership, LineLogger log)
{
    /// <summary>The backends the daemon can keep running.</summary>
    public static readonly string[] Backends = [ClusterProfile.LocalBackend, OrleansBackend.BackendName];

    /// <summary>The prefix of the folder that holds a silo cluster's credentials inside the profile's folder.</summary>
    private const string SilosFolderPrefix = "silos-";

    /// <summary>The line the daemon prints on stdout when every engine is ready and the profile is written.</summary>
    public const string ReadyLine = "parallax-cluster-ready";

    /// <summary>How often the daemon looks for dead clients' segments and for its record.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>Runs the cluster until it is told to stop; <paramref name="detach"/> leaves the terminal's session and logs to the profile's file once ready.</summary>
    public async Task<int> RunAsync(bool detach, CancellationToken cancellationToken)
    {
        if (detach && Native.SetSid() < 0)
        {
            log.Write($"setsid failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); the cluster stays in the terminal's session");
        }

        var folder = ProfileFolders.Ensure(profile);
        var path = ClusterProfile.FileOf(profile);
        using var exclusive = ProfileFolders.TryLock(folder);
        if (exclusive is null || (File.Exists(path) && ClusterProfile.Read(path) is { } existing && (existing.IsRunning || !existing.HasDaemon)))
        {
            await Console.Error.WriteLineAsync(ClusterCommands.AlreadyRunningMessage(profile)).ConfigureAwait(false);
            return ExitCodes.AlreadyRunning;
        }

        File.Delete(path); // a record left by a daemon that was killed

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var signals = StopSignals.Cancel(stop, log, PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP);

        var started = System.Diagnostics.Stopwatch.StartNew();
        IStandingEngines cluster;
        try
        {
            cluster = await StartEnginesAsync(folder, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or FileNotFoundException or IOException or PlatformNotSupportedException)
        {
            await Console.Error.WriteLineAsync($"The engines of profile '{profile}' did not start: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await using (cluster.ConfigureAwait(false))
        {
            var record = Write(cluster, path, folder);
            log.Write($"profile '{profile}': {engines} engines ({cluster.Backend}) ready in {started.Elapsed.TotalSeconds:F3} s, cluster {record.Value(cluster.IdentityField)}, record {path}");
            Console.Out.WriteLine(ReadyLine);
            Console.Out.Flush();
            if (detach)
            {
                // From here on nobody reads the pipe the starter gave us: the console goes to the log.
                var logFile = new FileStream(Path.Combine(folder, ProfileFolders.LogFileName), new FileStreamOptions
                {
                    Mode = FileMode.Append,
                    Access = FileAccess.Write,
                    Share = FileShare.ReadWrite,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                Native.RedirectConsole(logFile);
                GC.KeepAlive(logFile);
            }
            else
            {
                Console.Out.WriteLine(ClusterCommands.StartedMessage(record, started.Elapsed) + " Ctrl+C stops it.");
            }

            await WatchAsync(cluster, record, stop.Token).ConfigureAwait(false);

            // The record goes first: a client connecting now fails at once instead of meeting dying engines.
            if (IsOurs(path, record, cluster.IdentityField))
            {
                File.Delete(path);
            }

            log.Write($"profile '{profile}': stopping {engines} engines");
        }

        log.Write($"profile '{profile}': stopped");
        return ExitCodes.Ok;
    }

    private async Task<IStandingEngines> StartEnginesAsync(string folder, CancellationToken cancellationToken)
    {
        if (backend == ClusterProfile.LocalBackend)
        {
            return await StandingLocalEngines.StartAsync(engines, log, cancellationToken).ConfigureAwait(false);
        }

        // The profile's lock is ours: a credentials folder left here is a killed daemon's, whose silos ended with it.
        foreach (var stale in Directory.EnumerateDirectories(folder, SilosFolderPrefix + "*"))
        {
            Directory.Delete(stale, recursive: true);
        }

        var credentials = Path.Combine(folder, SilosFolderPrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return await StandingSilos.StartAsync(engines, credentials, membership, cancellationToken).ConfigureAwait(false);
    }

    private ClusterProfile Write(IStandingEngines cluster, string path, string folder)
    {
        var fields = cluster.Fields.ToList();
        for (var id = 0; id < engines; id++)
        {
            if (cluster.EngineProcess(id) is { } process && ClusterOwner.Identity(process.Id) is { } identity)
            {
                fields.Add(new($"engine.{id.ToString(CultureInfo.InvariantCulture)}", identity));
            }
        }

        fields.Add(new("log", Path.Combine(folder, ProfileFolders.LogFileName)));
        var daemon = ClusterOwner.Identity(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return ClusterProfile.Write(path, profile, cluster.Backend, engines, daemon, fields);
    }

    /// <summary>Waits for a stop, meanwhile doing the backend's housekeeping and checking that the record is still this cluster's.</summary>
    private async Task WatchAsync(IStandingEngines cluster, ClusterProfile record, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                cluster.Tick(log);
                if (!IsOurs(record.FilePath, record, cluster.IdentityField))
                {
                    log.Write($"the record {record.FilePath} is gone or names another cluster: stopping");
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsOurs(string path, ClusterProfile record, string identityField)
    {
        try
        {
            return File.Exists(path) && ClusterProfile.Read(path).Value(identityField) == record.Value(identityField);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
