using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax;

/// <summary>
/// Local engine processes and the client connected to them, as ipyparallel's
/// <c>Cluster(n=3).start_and_connect_sync()</c>. Disposing it stops every engine; engines also exit
/// by themselves when the process that started them ends, however it ends.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly ClusterOptions options;
    private readonly ConcurrentQueue<string> log = new();
    private readonly LocalEngines engines;
    private readonly SemaphoreSlim[] restarts;
    private readonly string hostPath;
    private readonly string dotnetPath;
    private int disposed;

    private Cluster(int engineCount, ClusterOptions options, ConnectionInfo connection, string connectionPath, string hostPath, string dotnetPath)
    {
        this.options = options;
        Connection = connection;
        ConnectionFilePath = connectionPath;
        this.hostPath = hostPath;
        this.dotnetPath = dotnetPath;
        engines = new LocalEngines(engineCount, connection, nameof(Cluster)) { Interrupt = InterruptAsync, InterruptGrace = options.InterruptGrace };
        restarts = [.. Enumerable.Range(0, engineCount).Select(_ => new SemaphoreSlim(1, 1))];
        Client = new Client(engines);
    }

    /// <summary>Gets the client connected to this cluster's engines (ipyparallel's <c>Client()</c>).</summary>
    public Client Client { get; }

    /// <summary>Gets the number of engines the cluster was started with.</summary>
    public int EngineCount => engines.EngineCount;

    internal ConnectionInfo Connection { get; }

    internal PushSegments PushSegments => engines.PushSegments;

    internal string ConnectionFilePath { get; }

    internal IReadOnlyCollection<string> EngineLog => log;

    internal ClusterOptions Options => options;

    /// <summary>Starts <paramref name="engines"/> engine processes and connects to each.</summary>
    /// <param name="engines">How many engines to start (ipyparallel's <c>n</c>); at least 1.</param>
    /// <param name="options">How to start and talk to them; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the engines; the ones started are stopped.</param>
    /// <returns>The cluster, with every engine ready.</returns>
    /// <exception cref="FileNotFoundException">The engine host, Parallax.Engine.dll, is not where the package puts it.</exception>
    /// <exception cref="TimeoutException">An engine did not start within <see cref="ClusterOptions.StartTimeout"/>.</exception>
    public static async Task<Cluster> StartAsync(int engines, ClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(engines, 1);
        options ??= new ClusterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SharedMemoryThreshold, 1, $"{nameof(options)}.{nameof(ClusterOptions.SharedMemoryThreshold)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxFrameBytes, 1 << 20, $"{nameof(options)}.{nameof(ClusterOptions.MaxFrameBytes)}");
        if (options.ReceivePolling < TimeSpan.Zero || options.ReceivePolling > TimeSpan.FromMilliseconds(10))
        {
            throw new ArgumentOutOfRangeException($"{nameof(options)}.{nameof(ClusterOptions.ReceivePolling)}", options.ReceivePolling, "Receive polling is between TimeSpan.Zero (off) and 10 ms; longer only burns CPU between calls.");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Local engines use Unix domain sockets and shared memory files; this version runs them on Linux and macOS.");
        }

        var hostPath = FindEngineHost(options);
        ClusterOwner.RemoveStale();
        var directory = Path.Combine(Path.GetTempPath(), "parallax-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        OwnerOnly.CreateDirectory(directory);
        var connection = ConnectionInfo.CreateNew(directory, options.MaxFrameBytes, Math.Min(options.SharedMemoryThreshold, options.MaxFrameBytes / 2), options.ReceivePolling);
        try
        {
            ClusterOwner.Write(directory);
            OwnerOnly.CreateDirectory(connection.SegmentFolder);
        }
        catch
        {
            SharedSegment.TryDeleteFolder(directory);
            throw;
        }

        var connectionPath = connection.Write();
        var cluster = new Cluster(engines, options, connection, connectionPath, hostPath, FindDotnet());
        try
        {
            await Task.WhenAll(Enumerable.Range(0, engines).Select(id => cluster.StartEngineAsync(id, cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return cluster;
    }

    /// <summary>Stops engine <paramref name="engineId"/> if it still runs and starts a fresh one under the same id, with an empty namespace.</summary>
    /// <param name="engineId">The engine to restart.</param>
    /// <param name="cancellationToken">Stops waiting for the new engine.</param>
    /// <returns>A task that completes when the new engine is ready.</returns>
    public async Task RestartEngineAsync(int engineId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if ((uint)engineId >= (uint)engines.EngineCount)
        {
            throw new ArgumentOutOfRangeException(nameof(engineId), engineId, $"This cluster's engines are 0 to {engines.EngineCount - 1}.");
        }

        // Two restarts of one engine at once would start two processes under one id, one of them unreachable.
        var gate = restarts[engineId];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (engines.Detach(engineId) is { } old)
            {
                Stop(old);
                await ReapAsync(old.Process!, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }

            // An engine that was killed could not delete its reply segments; the new one must not inherit them.
            ReplySegments.DeleteLeftovers(Connection.SegmentFolder, engineId);

            await StartEngineAsync(engineId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Restarts the engine behind <paramref name="connection"/> to stop a cancelled call that ignored its
    /// token. <paramref name="failCall"/> fails that call once the engine is out of the live ids and before
    /// it is stopped (so the call reads as interrupted, not as a death); when it returns false the call
    /// answered meanwhile and the engine is left alone. Nothing happens when that engine was restarted or
    /// the cluster disposed meanwhile.
    /// </summary>
    private async Task InterruptAsync(EngineConnection connection, Func<bool> failCall)
    {
        var engineId = connection.EngineId;
        var gate = restarts[engineId];
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (IsDisposed || !engines.TryDetach(connection))
            {
                return;
            }

            if (!failCall())
            {
                engines.Reattach(connection);
                return;
            }

            Warn($"[client] engine {engineId} did not stop a cancelled call within {options.InterruptGrace}; restarting it (its namespace is lost)");
            Stop(connection);
            await ReapAsync(connection.Process!, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            ReplySegments.DeleteLeftovers(Connection.SegmentFolder, engineId);
            await StartEngineAsync(engineId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Nobody awaits this repair: a failure is logged, and the engine stays out of the live ids.
            Warn($"[client] engine {engineId} could not be restarted after an interrupt: {ex.Message}");
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stops every engine and removes the cluster's socket folder and shared-memory folder. Never throws:
    /// a push still writing fails with <see cref="ObjectDisposedException"/>, and files the cluster
    /// cannot remove are left.
    /// </summary>
    /// <returns>A task that completes when every engine process has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        var running = engines.Close();
        foreach (var engine in running)
        {
            Stop(engine);
        }

        await Task.WhenAll(running.Select(engine => ReapAsync(engine.Process!, TimeSpan.FromSeconds(5)))).ConfigureAwait(false);

        SharedSegment.TryDeleteFolder(Connection.Directory);
        PushSegments.DeleteAll();

        // Only the cluster's own folder: names in /dev/shm itself that look like ours may be anyone's.
        SharedSegment.TryDeleteFolder(Connection.SegmentFolder);
    }

    internal bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>Gets engine <paramref name="engineId"/>'s process and connection, or null while it is not running.</summary>
    internal RunningEngine? GetEngine(int engineId) => engines.Get(engineId) is { Process: { } process } connection ? new RunningEngine(process, connection) : null;

    /// <summary>An engine process this cluster started, and the client's connection to it.</summary>
    internal sealed record RunningEngine(Process Process, EngineConnection Connection);

    /// <summary>A line an engine printed (its stderr log, or stdout outside a call).</summary>
    internal void Log(string line)
    {
        Remember(line);
        if (options.Logger is { } logger)
        {
            EngineLogEvents.EngineLine(logger, line);
        }
    }

    /// <summary>Something the client found wrong with an engine or its connection.</summary>
    internal void Warn(string line)
    {
        Remember(line);
        if (options.Logger is { } logger)
        {
            EngineLogEvents.ClientWarning(logger, line);
        }
    }

    private void Remember(string line)
    {
        log.Enqueue(line);
        while (log.Count > 1000 && log.TryDequeue(out _))
        {
        }
    }

    private static void Stop(EngineConnection engine)
    {
        try
        {
            // First the signal that needs no cooperation: the engine's stdin watch exits whatever its socket
            // thread is doing, and its exit unblocks any send of ours stuck behind its full socket buffer.
            // The stop byte says this is a stop, not the client's death (then engines remove its files).
            engine.Process!.StandardInput.BaseStream.WriteByte(EngineHost.StopByte);
            engine.Process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The engine is gone, or its stdin was closed already.
        }

        engine.Shutdown();
    }

    /// <summary>Waits for a stopped engine to exit, killing it after <paramref name="grace"/>, and lets go of the process.</summary>
    private static async Task ReapAsync(Process process, TimeSpan grace)
    {
        using var wait = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }
        }

        process.Dispose();
    }

    private async Task StartEngineAsync(int engineId, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(dotnetPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostPath);
        start.ArgumentList.Add("--connection");
        start.ArgumentList.Add(ConnectionFilePath);
        start.ArgumentList.Add("--id");
        start.ArgumentList.Add(engineId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--parent");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        SetEngineEnvironment(start.Environment, options.LinalgThreadsPerEngine ?? DefaultLinalgThreads(engines.EngineCount, Environment.ProcessorCount), options.IsWarmUpEnabled);
        foreach (var (name, value) in options.EngineEnvironment)
        {
            start.Environment[name] = value;
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == EngineHost.ReadyLine)
            {
                ready.TrySetResult();
            }
            else if (e.Data is not null)
            {
                Log($"[engine {engineId} stdout] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Log(e.Data);
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"Engine {engineId} exited while starting (exit code {process.ExitCode}). Its log: {string.Join(" | ", log.Where(l => l.Contains($"engine {engineId}", StringComparison.Ordinal)).TakeLast(10))}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"Engine {engineId} did not start within {options.StartTimeout} (host '{hostPath}'); raise ClusterOptions.StartTimeout on a loaded machine.");
        }
        catch
        {
            process.Kill();
            throw;
        }

        var connection = engines.Attach(engineId, process, Warn);
        if (Volatile.Read(ref disposed) != 0)
        {
            Stop(connection);
            return;
        }

        if (options.IsWarmUpEnabled)
        {
            await WarmUpAsync(engineId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs the warm-up call (<see cref="BuiltinStubs.WarmUp"/>) on a fresh engine, through the task farm
    /// as a map of <see cref="int"/> in one chunk: the engine loads this process's dispatch assemblies, and
    /// both sides compile the path every load-balanced and direct call takes. Nothing depends on it: a
    /// failure or a warm-up longer than <see cref="ClusterOptions.StartTimeout"/> is logged, and the
    /// engine's first real call then pays what is left.
    /// </summary>
    private async Task WarmUpAsync(int engineId, CancellationToken cancellationToken)
    {
        var (paths, mvids) = BuiltinStubs.DispatchAssemblies();
        var view = new LoadBalancedView(Client, [engineId]);
        const int tasks = 16;
        var map = view.SubmitMapCore<int, int>(BuiltinStubs.WarmUpId, BuiltinStubs.AssemblyPath, new int[tasks], block => BuiltinStubs.EncodeWarmUp(paths, mvids, block), chunkSize: tasks, ordered: true, retries: 0, timeout: null, progress: null, cancellationToken);
        try
        {
            await map.WaitAsync(cancellationToken).WaitAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Warn($"[client] engine {engineId}'s warm-up call did not complete ({ex.GetType().Name}: {ex.Message}); its first call pays for the loading instead");
        }
    }

    private static string FindEngineHost(ClusterOptions options)
    {
        const string fileName = "Parallax.Engine.dll";
        if (options.EngineHostPath is { } configured)
        {
            return File.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new FileNotFoundException($"ClusterOptions.EngineHostPath '{configured}' does not exist; point it at {fileName} or leave it null.", configured);
        }

        var candidates = new[] { Path.GetDirectoryName(typeof(Cluster).Assembly.Location), AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => Path.Combine(d!, fileName))
            .ToArray();
        return candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"The engine host {fileName} is not in {string.Join(" or ", candidates.Select(Path.GetDirectoryName).Distinct())}. " +
            "The Parallax package copies it to the build output; if you copy files by hand, copy Parallax.Engine.dll and Parallax.Engine.runtimeconfig.json too, or set ClusterOptions.EngineHostPath.",
            fileName);
    }

    /// <summary>The environment every engine process starts with (local engines and silos alike): its GEMM threads and runtime settings.</summary>
    internal static void SetEngineEnvironment(IDictionary<string, string?> environment, int linalgThreads, bool isWarmedUp = false)
    {
        environment[Linalg.ThreadsEnvironmentVariable] = linalgThreads.ToString(CultureInfo.InvariantCulture);
        environment["DOTNET_gcServer"] = "0";

        // Engines deserialize and drop large arrays over and over; keeping the freed memory committed
        // spares the page faults of touching fresh memory each time (costly on virtual machines).
        environment["DOTNET_GCRetainVM"] = "1";

        // The runtime waits until no new method has been called for 100 ms before it optimizes hot ones,
        // and an engine that just started keeps meeting new methods: its dispatch path would run
        // unoptimized through the first seconds of a loop of calls (round trips 1.5-3x slower, measured).
        // An engine that ran the warm-up call has met them already, and optimizing everything called 30
        // times from the first millisecond costs its start more than it gains (docs/engines.md, "Task farm").
        if (!isWarmedUp)
        {
            environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        }
    }

    /// <summary>The `dotnet` muxer engines (and the parallax tool's daemon) are started with.</summary>
    internal static string FindDotnet()
    {
        // Under `dotnet test`/`dotnet run` the SDK names the muxer; otherwise it sits three folders above this runtime.
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", name));
        if (File.Exists(fromRuntime))
        {
            return fromRuntime;
        }

        return Environment.ProcessPath is { } self && Path.GetFileName(self) == name ? self : name;
    }

    /// <summary>
    /// GEMM threads per engine when the caller does not choose. Up to one engine per core, each gets its
    /// share of the cores. When engines outnumber cores, about twice as many threads as cores in total:
    /// with one thread each, three engines on two cores leave a core idle once two of them have finished,
    /// while with two each the last one still uses both; the engines' CPU seconds were the same either way
    /// (engine-threads bench, docs/engines.md), so the extra threads cost nothing but the switches.
    /// </summary>
    internal static int DefaultLinalgThreads(int engines, int cores) =>
        engines <= cores ? Math.Max(1, cores / engines) : Math.Max(1, ((2 * cores) + engines - 1) / engines);
}
