using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// Silo processes on this machine, one engine each: what <c>parallax cluster start --backend orleans -n 3</c>
/// runs (a cluster of its own on loopback ports, <see cref="StartAsync(int, string?, string?, CancellationToken, bool)"/>),
/// what tests and benchmarks start, and what <c>parallax silo start</c> runs on each machine of a cluster
/// whose membership is in Redis (<see cref="JoinAsync"/>: given engine ids, an address other machines
/// reach, an existing certificate). Without Redis the first silo holds the cluster's membership
/// (Orleans' localhost clustering), so it starts first and the others join it. Each silo watches its
/// stdin: when the process that started it ends, however it ends, the silos stop too.
/// </summary>
internal sealed class LocalSilos : IAsyncDisposable
{
    /// <summary>How long a silo may take to join before starting it fails.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly Process?[] processes;
    private readonly int[] engineIds;
    private readonly int[] siloPorts;
    private readonly int[] dataPorts;
    private readonly IPAddress address;
    private readonly string hostPath;
    private readonly List<string> log = [];
    private int disposed;

    private LocalSilos(string? folder, SiloClusterInfo info, int[] engineIds, int[] siloPorts, int[] dataPorts, IPAddress address, string hostPath)
    {
        Folder = folder;
        Info = info;
        this.engineIds = engineIds;
        this.siloPorts = siloPorts;
        this.dataPorts = dataPorts;
        this.address = address;
        this.hostPath = hostPath;
        processes = new Process?[engineIds.Length];
    }

    /// <summary>Gets the cluster's folder (0700): its credentials, removed when the silos stop; null for silos that joined a cluster whose credentials are someone else's.</summary>
    public string? Folder { get; }

    /// <summary>Gets the ids of the engines these silos host, in the order they were given.</summary>
    public IReadOnlyList<int> EngineIds => engineIds;

    /// <summary>Gets what a client needs to connect.</summary>
    public SiloClusterInfo Info { get; }

    /// <summary>Gets the lines the silos wrote to stderr (their logs), the most recent last.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (log)
            {
                return [.. log];
            }
        }
    }

    /// <summary>Starts <paramref name="engines"/> silos, one engine each, with new credentials in a new owner-only folder.</summary>
    /// <param name="engines">How many engines (silo processes).</param>
    /// <param name="cancellationToken">Stops waiting; the silos started are stopped.</param>
    /// <exception cref="TimeoutException">A silo did not join within <see cref="StartTimeout"/>.</exception>
    /// <param name="withoutTls">No TLS (<see cref="ClusterCredentials.Insecure"/>): only for measuring what TLS costs, and only where the environment allows it.</param>
    public static Task<LocalSilos> StartAsync(int engines, CancellationToken cancellationToken = default, bool withoutTls = false) =>
        StartAsync(engines, folder: null, membership: null, cancellationToken, withoutTls);

    /// <summary>Starts <paramref name="engines"/> silos whose credentials live in <paramref name="folder"/> (created 0700; removed when they stop), or in a new temporary folder when it is null.</summary>
    /// <param name="engines">How many engines (silo processes).</param>
    /// <param name="folder">The cluster's folder, such as one inside a standing profile's folder; it must not exist yet.</param>
    /// <param name="membership">Where the membership table lives (<see cref="Silos.Membership"/>), or null for engine 0's silo.</param>
    /// <param name="cancellationToken">Stops waiting; the silos started are stopped.</param>
    /// <param name="withoutTls">No TLS (<see cref="ClusterCredentials.Insecure"/>): only for measuring what TLS costs, and only where the environment allows it.</param>
    /// <exception cref="TimeoutException">A silo did not join within <see cref="StartTimeout"/>.</exception>
    public static async Task<LocalSilos> StartAsync(int engines, string? folder, string? membership, CancellationToken cancellationToken, bool withoutTls = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(engines, 1);
        _ = membership is null ? null : Membership.Checked(membership);
        var name = "parallax-silos-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        folder ??= Path.Combine(Path.GetTempPath(), name);
        OwnerOnly.CreateDirectory(folder);
        var credentials = withoutTls && ClusterCredentials.IsInsecure(ClusterCredentials.Insecure) ? ClusterCredentials.Insecure : ClusterCredentials.Create(folder, name).Path;
        var ports = FreePorts(3 * engines);
        var info = new SiloClusterInfo(name, ports[engines..(2 * engines)], credentials, engines, membership);
        var silos = new LocalSilos(folder, info, [.. Enumerable.Range(0, engines)], ports[..engines], ports[(2 * engines)..], IPAddress.Loopback, FindSiloHost());
        try
        {
            await silos.StartSiloAsync(0, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(Enumerable.Range(1, engines - 1).Select(id => silos.StartSiloAsync(id, cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await silos.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return silos;
    }

    /// <summary>
    /// Starts one silo process per id in <paramref name="engineIds"/> that joins cluster <paramref name="cluster"/>
    /// through its Redis membership, all at once (no silo is first with Redis), listening on and
    /// advertising <paramref name="address"/>. The credentials are the cluster's existing file; nothing
    /// is removed when the silos stop.
    /// </summary>
    /// <param name="cluster">The cluster's name.</param>
    /// <param name="credentialsPath">The cluster's certificate file (0600), the same on every machine.</param>
    /// <param name="membership">The cluster's Redis (<see cref="Silos.Membership"/>); given to the silos through their environment.</param>
    /// <param name="engineIds">The engine ids to host, claimed beforehand (<see cref="EngineClaims"/>).</param>
    /// <param name="address">The address the silos listen on and advertise: one other machines reach.</param>
    /// <param name="portBase">The first of three ports per silo (silo, gateway, data; the next silo's follow), for a firewall that opens a known range; null for free ports.</param>
    /// <param name="cancellationToken">Stops waiting; the silos started are stopped.</param>
    /// <exception cref="TimeoutException">A silo did not join within <see cref="StartTimeout"/>.</exception>
    public static async Task<LocalSilos> JoinAsync(string cluster, string credentialsPath, string membership, int[] engineIds, IPAddress address, int? portBase, CancellationToken cancellationToken)
    {
        _ = Membership.Checked(membership);
        var count = engineIds.Length;
        int[] ports = portBase is { } first
            ? [.. Enumerable.Range(0, count).Select(i => first + (3 * i)), .. Enumerable.Range(0, count).Select(i => first + (3 * i) + 1), .. Enumerable.Range(0, count).Select(i => first + (3 * i) + 2)]
            : FreePorts(3 * count, address);
        var info = new SiloClusterInfo(cluster, ports[count..(2 * count)], credentialsPath, count, membership);
        var silos = new LocalSilos(folder: null, info, engineIds, ports[..count], ports[(2 * count)..], address, FindSiloHost());
        try
        {
            await Task.WhenAll(engineIds.Select(id => silos.StartSiloAsync(id, cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await silos.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return silos;
    }

    /// <summary>
    /// Writes a standing-cluster profile (backend <c>orleans</c>) for these silos at <paramref name="path"/>,
    /// owned by this process: <c>Client.ConnectAsync(path)</c> connects to them while this process lives.
    /// </summary>
    public void WriteProfile(string path, string name) =>
        ClusterProfile.Write(path, name, OrleansBackend.BackendName, Info.EngineCount, ClusterOwner.Identity(Environment.ProcessId)!, OrleansBackend.Fields(Info));

    /// <summary>Gets the process of engine <paramref name="engineId"/>'s silo, or null when it is not running.</summary>
    public Process? Process(int engineId) => Volatile.Read(ref processes[Slot(engineId)]);

    /// <summary>Kills engine <paramref name="engineId"/>'s silo with SIGKILL, as a crash would: nothing of it runs any more when this returns.</summary>
    public void Kill(int engineId)
    {
        if (Interlocked.Exchange(ref processes[Slot(engineId)], null) is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }

    /// <summary>Starts engine <paramref name="engineId"/>'s silo again (after <see cref="Kill"/> or a crash) on its old ports: it rejoins under its id, with an empty namespace.</summary>
    public Task RestartAsync(int engineId, CancellationToken cancellationToken = default)
    {
        Kill(engineId);
        return StartSiloAsync(engineId, cancellationToken);
    }

    /// <summary>Stops every silo (gracefully, then by force after a few seconds) and removes the cluster's folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        var running = processes.Select((_, i) => Interlocked.Exchange(ref processes[i], null)).OfType<Process>().ToArray();
        foreach (var process in running)
        {
            try
            {
                // The silo's stdin watch: the same signal as this process's death.
                process.StandardInput.Close();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
            }
        }

        await Task.WhenAll(running.Select(async process =>
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            process.Dispose();
        })).ConfigureAwait(false);
        if (Folder is not null)
        {
            SharedSegment.TryDeleteFolder(Folder);
        }
    }

    /// <summary>The index of engine <paramref name="engineId"/> among these silos.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No silo here hosts it.</exception>
    private int Slot(int engineId) => Array.IndexOf(engineIds, engineId) is var slot and >= 0
        ? slot
        : throw new ArgumentOutOfRangeException(nameof(engineId), engineId, $"No silo here hosts engine {engineId}; these host engines {string.Join(", ", engineIds)}.");

    private async Task StartSiloAsync(int engineId, CancellationToken cancellationToken)
    {
        var slot = Slot(engineId);
        var start = new ProcessStartInfo(Cluster.FindDotnet())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            hostPath,
            "--id", engineId.ToString(CultureInfo.InvariantCulture),
            "--cluster", Info.ClusterId,
            "--credentials", Info.CredentialsPath,
            "--silo-port", siloPorts[slot].ToString(CultureInfo.InvariantCulture),
            "--gateway-port", Info.GatewayPorts[slot].ToString(CultureInfo.InvariantCulture),
            "--data-port", dataPorts[slot].ToString(CultureInfo.InvariantCulture),
            "--address", address.ToString(),
            "--watch-stdin",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Through the environment, never the command line: a membership with a password must not show in ps.
        if (Info.Membership is { } membership)
        {
            start.Environment[Membership.EnvironmentVariable] = membership;
        }
        else
        {
            start.Environment.Remove(Membership.EnvironmentVariable);
        }

        if (Info.Membership is null && engineId != 0)
        {
            start.ArgumentList.Add("--primary-port");
            start.ArgumentList.Add(siloPorts[0].ToString(CultureInfo.InvariantCulture));
        }

        Cluster.SetEngineEnvironment(start.Environment, Cluster.DefaultLinalgThreads(engineIds.Length, Environment.ProcessorCount));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == SiloHost.ReadyLine)
            {
                ready.TrySetResult();
            }
            else if (e.Data is not null)
            {
                Remember($"[engine-{engineId} stdout] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Remember(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"The silo of engine {engineId} exited while starting (exit code {process.ExitCode}). Its log: {string.Join(" | ", Log.Where(l => l.Contains($"engine-{engineId}", StringComparison.Ordinal)).TakeLast(10))}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            process.Kill();
            process.Dispose();
            throw ex is TimeoutException
                ? new TimeoutException($"The silo of engine {engineId} did not join within {StartTimeout} (host '{hostPath}'). Its log: {string.Join(" | ", Log.TakeLast(10))}")
                : ex;
        }

        Volatile.Write(ref processes[slot], process);
        if (Volatile.Read(ref disposed) != 0)
        {
            Kill(engineId);
        }
    }

    private void Remember(string line)
    {
        lock (log)
        {
            log.Add(line);
            if (log.Count > 2000)
            {
                log.RemoveRange(0, 1000);
            }
        }
    }

    /// <summary>Ports nothing listens on now on <paramref name="address"/> (loopback when null), from the kernel's ephemeral range.</summary>
    private static int[] FreePorts(int count, IPAddress? address = null)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(address ?? IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    private static string FindSiloHost()
    {
        const string fileName = "Parallax.Silo.dll";
        var candidates = new[] { Path.GetDirectoryName(typeof(LocalSilos).Assembly.Location), AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => Path.Combine(d!, fileName))
            .ToArray();
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"The silo host {fileName} is not in {string.Join(" or ", candidates.Select(Path.GetDirectoryName).Distinct())}. The Parallax.Orleans package copies it to the build output; copy Parallax.Silo.dll and Parallax.Silo.runtimeconfig.json with it.",
            fileName);
    }
}
