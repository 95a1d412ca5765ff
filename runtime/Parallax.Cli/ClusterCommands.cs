using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Cli;

/// <summary>What <c>parallax cluster start|list|stop</c> do, and the words they say it in.</summary>
internal static class ClusterCommands
{
    /// <summary>The hidden option the starter gives the daemon it spawns.</summary>
    public const string DaemonOption = "--daemon";

    /// <summary>How long <c>stop</c> waits for a daemon to stop its engines before it kills the daemon (the engines then clean up by themselves).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    public static string AlreadyRunningMessage(string profile)
    {
        var path = ClusterProfile.FileOf(profile);
        try
        {
            var record = ClusterProfile.Read(path);
            if (!record.HasDaemon)
            {
                return $"Profile '{profile}' points at cluster '{record.Fields.GetValueOrDefault("cluster")}', whose silos run on their machines. Use another --profile, or forget it first with `parallax cluster stop{ProfileArgument(profile)}`.";
            }

            return $"Profile '{profile}' is running already: {record.EngineCount} engines, daemon process {record.DaemonPid}, since {record.Created.ToLocalTime():yyyy-MM-dd HH:mm:ss}. " +
                $"Connection file: {path}. Stop it with `parallax cluster stop{ProfileArgument(profile)}`.";
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return $"Profile '{profile}' is being started or stopped by another parallax command (its folder {ClusterProfile.FolderOf(profile)} is locked). Try again in a moment.";
        }
    }

    public static string StartedMessage(ClusterProfile record, TimeSpan took) =>
        $"Started profile '{record.Name}': {record.EngineCount} engines{(record.Backend == ClusterProfile.LocalBackend ? "" : $" on {record.Backend} silos")} ready in {took.TotalSeconds:F2} s. Connection file: {record.FilePath}. " +
        $"Programs connect with `await Client.ConnectAsync({(record.Name == ClusterProfile.DefaultName ? "" : $"\"{record.Name}\"")})`; `parallax cluster stop{ProfileArgument(record.Name)}` stops it.";

    /// <summary>
    /// Starts a detached daemon (this tool again, with <see cref="DaemonOption"/>) and returns once it
    /// says every engine is ready, or with its error when it fails. Nothing secret is on the daemon's
    /// command line: it makes the key itself and writes it only into the 0600 connection file.
    /// </summary>
    public static async Task<int> StartAsync(string profile, int engines, string backend, string? membership, CancellationToken cancellationToken)
    {
        var path = ClusterProfile.FileOf(profile);
        if (IsRunning(path))
        {
            await Console.Error.WriteLineAsync(AlreadyRunningMessage(profile)).ConfigureAwait(false);
            return ExitCodes.AlreadyRunning;
        }

        var started = Stopwatch.StartNew();
        var start = new ProcessStartInfo(Cluster.FindDotnet())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[typeof(ClusterCommands).Assembly.Location, "cluster", "start", "-n", engines.ToString(CultureInfo.InvariantCulture), "--profile", profile, "--backend", backend, "--foreground", DaemonOption])
        {
            start.ArgumentList.Add(argument);
        }

        if (membership is not null)
        {
            start.ArgumentList.Add("--membership");
            start.ArgumentList.Add(membership);
        }

        using var daemon = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{start.FileName}'.");
        daemon.StandardInput.Close();
        var errors = new StringBuilder();
        var errorsDone = Task.Run(async () =>
        {
            while (await daemon.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                lock (errors)
                {
                    errors.AppendLine(line);
                }
            }
        }, CancellationToken.None);

        bool ready;
        try
        {
            ready = await WaitForReadyAsync(daemon.StandardOutput, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C while starting: the daemon stops its engines on SIGTERM, as on `cluster stop`.
            _ = Native.Kill(daemon.Id, Native.SigTerm);
            await Console.Error.WriteLineAsync($"Cancelled; profile '{profile}' was not started.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        if (!ready)
        {
            await daemon.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await errorsDone.ConfigureAwait(false);
            var said = errors.ToString().Trim();
            if (daemon.ExitCode == ExitCodes.AlreadyRunning)
            {
                await Console.Error.WriteLineAsync(said).ConfigureAwait(false);
                return ExitCodes.AlreadyRunning;
            }

            await Console.Error.WriteLineAsync($"Profile '{profile}' did not start (exit code {daemon.ExitCode}).{(said.Length > 0 ? Environment.NewLine + said : "")}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var record = ClusterProfile.Read(path);
        Console.Out.WriteLine(StartedMessage(record, started.Elapsed));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Writes a profile without a daemon (<see cref="ClusterProfile.NoDaemon"/>) that points at cluster
    /// <paramref name="cluster"/>, whose silos <c>parallax silo start</c> runs on their machines with its
    /// membership in Redis. The cluster's certificate is generated into the profile's folder the first
    /// time and kept after that (every silo and client of the cluster needs the same file).
    /// </summary>
    /// <param name="profile">The profile's name.</param>
    /// <param name="cluster">The cluster's name, as the silos are started with.</param>
    /// <param name="membership">The cluster's Redis.</param>
    /// <param name="engines">How many engines a client waits for, or 0 to count the engines active when it connects.</param>
    public static int WriteRemoteProfile(string profile, string cluster, string membership, int engines)
    {
        var folder = ProfileFolders.Ensure(profile);
        var path = ClusterProfile.FileOf(profile);
        using var exclusive = ProfileFolders.TryLock(folder);
        if (exclusive is null || (File.Exists(path) && ClusterProfile.Read(path).IsRunning))
        {
            // A cluster this machine keeps is not replaced; a profile that already points at silos elsewhere is written again.
            Console.Error.WriteLine(AlreadyRunningMessage(profile));
            return ExitCodes.AlreadyRunning;
        }

        var certificate = Path.Combine(folder, ClusterCredentials.FileName);
        var made = !File.Exists(certificate);
        var credentials = made ? ClusterCredentials.Create(folder, cluster) : ClusterCredentials.Read(certificate);
        var record = ClusterProfile.Write(path, profile, OrleansBackend.BackendName, engines, ClusterProfile.NoDaemon, OrleansBackend.Fields(new SiloClusterInfo(cluster, [], credentials.Path, engines, membership)));
        Console.Out.WriteLine(
            $"Profile '{profile}' points at cluster '{cluster}' (membership {Membership.Redacted(membership)}); no process runs here for it. " +
            $"{(made ? "Generated" : "Kept")} the cluster's certificate {credentials.Path}: copy it (mode 0600) to every machine that runs silos or clients, and there run " +
            $"`parallax silo start --engines N --membership {Membership.Redacted(membership)} --cluster {cluster} --cert PATH --address THAT_MACHINE'S_IP`. " +
            $"Programs connect with `await Client.ConnectAsync({(record.Name == ClusterProfile.DefaultName ? "" : $"\"{record.Name}\"")})`{(engines > 0 ? $", waiting for {engines} engines" : ", seeing the engines active then")}.");
        return ExitCodes.Ok;
    }

    /// <summary>Lists every profile under Parallax's home: state, engines alive, uptime, each engine's process and memory.</summary>
    public static int List()
    {
        var names = ClusterProfile.Names().ToArray();
        if (names.Length == 0)
        {
            Console.Out.WriteLine($"No cluster profiles in {ClusterProfile.Home}. Start one with `parallax cluster start -n 3`.");
            return ExitCodes.Ok;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"PROFILE",-16} {"STATE",-8} {"ENGINES",-8} {"UPTIME",-12} {"DAEMON",-8} CONNECTION FILE");
        foreach (var name in names)
        {
            var path = ClusterProfile.FileOf(name);
            ClusterProfile record;
            try
            {
                record = ClusterProfile.Read(path);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} {"unknown",-8} {"",-8} {"",-12} {"",-8} {path} ({ex.Message})");
                continue;
            }

            if (!record.HasDaemon)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} {"remote",-8} {(record.EngineCount > 0 ? record.EngineCount.ToString(CultureInfo.InvariantCulture) : "any"),-8} {"",-12} {"",-8} {path} (cluster '{record.Fields.GetValueOrDefault("cluster")}', membership {Membership.Redacted(record.Fields.GetValueOrDefault("membership", "?"))}: silos started with `parallax silo start`)");
                continue;
            }

            if (!record.IsRunning)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} {"stale",-8} {"0/" + record.EngineCount,-8} {"",-12} {"",-8} {path} (its daemon ended; `parallax cluster stop{ProfileArgument(name)}` removes it)");
                continue;
            }

            var engines = Enumerable.Range(0, record.EngineCount).Select(id => EngineState(record, id)).ToArray();
            var uptime = DateTimeOffset.UtcNow - record.Created;
            text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} {"running",-8} {$"{engines.Count(e => e.Alive)}/{record.EngineCount}",-8} {Uptime(uptime),-12} {record.DaemonPid,-8} {path}");
            for (var id = 0; id < engines.Length; id++)
            {
                var (alive, pid, rss) = engines[id];
                text.AppendLine(CultureInfo.InvariantCulture, $"  engine {id,-3} pid {pid,-8} {(alive ? $"alive    memory {rss / 1048576.0:F1} MiB" : "dead")}");
            }
        }

        Console.Out.Write(text.ToString());
        return ExitCodes.Ok;
    }

    /// <summary>Stops the daemons of <paramref name="profiles"/>; one that is not running is not an error (its stale record is removed).</summary>
    public static async Task<int> StopAsync(IReadOnlyList<string> profiles, CancellationToken cancellationToken)
    {
        if (profiles.Count == 0)
        {
            Console.Out.WriteLine($"No cluster profiles in {ClusterProfile.Home}: nothing to stop.");
            return ExitCodes.Ok;
        }

        var code = ExitCodes.Ok;
        foreach (var profile in profiles)
        {
            var result = await StopOneAsync(profile, cancellationToken).ConfigureAwait(false);
            code = Math.Max(code, result);
        }

        return code;
    }

    private static async Task<int> StopOneAsync(string profile, CancellationToken cancellationToken)
    {
        var path = ClusterProfile.FileOf(profile);
        ClusterProfile record;
        try
        {
            record = ClusterProfile.Read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Out.WriteLine($"Profile '{profile}' is not running: nothing to stop.");
            return ExitCodes.Ok;
        }

        if (!record.HasDaemon)
        {
            File.Delete(path);
            Console.Out.WriteLine(
                $"Forgot profile '{profile}': no process here kept its cluster '{record.Fields.GetValueOrDefault("cluster")}', whose silos keep running on their machines (stop them there: Ctrl+C or SIGTERM to `parallax silo start`). " +
                $"Its certificate stays in {ClusterProfile.FolderOf(profile)}, for writing the profile again.");
            return ExitCodes.Ok;
        }

        if (!record.IsRunning)
        {
            File.Delete(path);
            Console.Out.WriteLine($"Profile '{profile}' was not running (its daemon had ended); removed its stale connection file {path}.");
            return ExitCodes.Ok;
        }

        var pid = record.DaemonPid;
        _ = Native.Kill(pid, Native.SigTerm);
        var deadline = Stopwatch.StartNew();
        while (record.IsRunning && deadline.Elapsed < StopGrace)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        if (record.IsRunning)
        {
            // The engines see their stdin close without a stop and remove the cluster's files as they exit.
            _ = Native.Kill(pid, Native.SigKill);
            File.Delete(path);
            Console.Error.WriteLine($"Profile '{profile}': the daemon (process {pid}) did not stop within {StopGrace.TotalSeconds:F0} s and was killed; its engines end by themselves.");
            return ExitCodes.Failed;
        }

        File.Delete(path);
        Console.Out.WriteLine($"Stopped profile '{profile}' ({record.EngineCount} engines) in {deadline.Elapsed.TotalSeconds:F2} s.");
        return ExitCodes.Ok;
    }

    /// <summary>Whether the profile's cluster runs here, or the profile points at silos elsewhere (which a start must not replace).</summary>
    private static bool IsRunning(string path)
    {
        try
        {
            return File.Exists(path) && ClusterProfile.Read(path) is var record && (record.IsRunning || !record.HasDaemon);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads lines until the daemon's ready line (true) or the end of its output (false: it failed).</summary>
    private static async Task<bool> WaitForReadyAsync(StreamReader output, CancellationToken cancellationToken)
    {
        while (await output.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line == StandingDaemon.ReadyLine)
            {
                return true;
            }
        }

        return false;
    }

    private static (bool Alive, int Pid, long Rss) EngineState(ClusterProfile record, int id)
    {
        if (!record.Fields.TryGetValue($"engine.{id.ToString(CultureInfo.InvariantCulture)}", out var identity) ||
            !int.TryParse(identity.Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return (false, 0, 0);
        }

        return ClusterOwner.Identity(pid) == identity ? (true, pid, ResidentBytes(pid)) : (false, pid, 0);
    }

    private static long ResidentBytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    private static string Uptime(TimeSpan uptime) => uptime.TotalDays >= 1
        ? $"{(int)uptime.TotalDays}d {uptime:hh\\:mm\\:ss}"
        : uptime.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static string ProfileArgument(string profile) => profile == ClusterProfile.DefaultName ? "" : $" --profile {profile}";
}
