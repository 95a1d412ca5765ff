using Microsoft.Extensions.Logging;

namespace Parallax;

/// <summary>How <see cref="Cluster.StartAsync"/> starts and talks to engines.</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// Gets or sets the payload size, in bytes, from which data travels through one shared-memory
    /// segment that every target engine maps, instead of inside the socket frame. Default 256 KiB,
    /// where shared memory starts to pay for pushes to 3 engines (docs/engines.md has the measurement).
    /// </summary>
    public int SharedMemoryThreshold { get; set; } = 256 << 10;

    /// <summary>Gets or sets the largest frame an engine or the client accepts on a socket; larger ones are rejected and logged. Default 64 MiB.</summary>
    public int MaxFrameBytes { get; set; } = 64 << 20;

    /// <summary>
    /// Gets or sets how long a thread that waits for a frame keeps polling before it sleeps: an engine
    /// waiting for its next call, the client's receive thread for each engine, and a caller blocked in
    /// <c>ApplySync</c>, <c>Get</c> or <c>Wait</c>. Polling spares a sleep and a wake-up at every hop when
    /// the other side answers within that time and a core is free to poll on; it costs at most this much
    /// CPU time per wait, yielding meanwhile. Off by default: engines lead sessions of their own, and
    /// Linux schedules each session as a group, so a polling thread's yield no longer hands its core to
    /// the engine it waits for, and on two cores polling made a loop of calls 1.2–1.4x slower, quiet
    /// (docs/engines.md, "Figures"). Worth trying where the cores outnumber the engines and the client.
    /// <see cref="TimeSpan.Zero"/> turns it off; at most 10 ms. Default <see cref="TimeSpan.Zero"/>.
    /// </summary>
    public TimeSpan ReceivePolling { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets or sets how long a cancelled call may keep running before its engine is restarted to stop it.
    /// Code that checks <see cref="Engine.CancellationToken"/> stops well within it; code that does not is
    /// stopped by the restart, which loses the engine's namespace (<see cref="EngineRestartedException"/>).
    /// Default 3 s.
    /// </summary>
    public TimeSpan InterruptGrace { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Gets or sets whether each engine, once started (or restarted), runs a warm-up call before the start
    /// completes: it loads the assemblies whose dispatched code this process holds (their module
    /// initializers run there then, not at their first call) and runs a small load-balanced chunk, so that
    /// the engine and the client compile their call paths while the start is being waited for anyway. The
    /// first map then costs what later ones do (docs/engines.md, "Task farm", has the measurement). A
    /// warm-up that fails or outlasts <see cref="StartTimeout"/> is logged and the start goes on. Default true.
    /// </summary>
    public bool IsWarmUpEnabled { get; set; } = true;

    /// <summary>Gets or sets how long an engine may take to start listening. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the path of <c>Parallax.Engine.dll</c>, the engine host. By default it is found next
    /// to Parallax.dll or in the application's folder, where the Parallax package puts it.
    /// </summary>
    public string? EngineHostPath { get; set; }

    /// <summary>
    /// Gets or sets the threads each engine's linear algebra may use (<c>PARALLAX_LINALG_THREADS</c>);
    /// by default the cores divided by the engines when there are no more engines than cores, and about twice
    /// the cores in total when engines outnumber them (3 engines on 2 cores: 2 each), so that the engine that
    /// finishes last still keeps every core busy.
    /// </summary>
    public int? LinalgThreadsPerEngine { get; set; }

    /// <summary>
    /// Gets environment variables to set for every engine process, on top of the client's own: runtime
    /// settings such as <c>DOTNET_GCHeapHardLimit</c>, or what engine code reads. Engines also get
    /// <c>PARALLAX_LINALG_THREADS</c> unless it is set here.
    /// </summary>
    public IDictionary<string, string> EngineEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets where the cluster logs: engines' own lines (exits, rejected frames, output printed
    /// outside a call) at <see cref="LogLevel.Information"/>, the client's findings (a frame that failed
    /// its check, an engine that died) at <see cref="LogLevel.Warning"/>. None by default. Tracing and
    /// metrics need no option: listen to the <c>Parallax.Engines</c> activity source and meter
    /// (docs/engines.md lists the instruments).
    /// </summary>
    public ILogger? Logger { get; set; }
}
