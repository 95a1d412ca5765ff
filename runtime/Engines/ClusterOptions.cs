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

    /// <summary>Gets or sets how long an engine may take to start listening. Default 60 s.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the path of <c>Parallax.Engine.dll</c>, the engine host. By default it is found next
    /// to Parallax.dll or in the application's folder, where the Parallax package puts it.
    /// </summary>
    public string? EngineHostPath { get; set; }

    /// <summary>
    /// Gets or sets the threads each engine's linear algebra may use (<c>PARALLAX_LINALG_THREADS</c>);
    /// by default the cores divided by the engines, at least one, so engines do not oversubscribe the machine.
    /// </summary>
    public int? LinalgThreadsPerEngine { get; set; }

    /// <summary>Gets or sets where engine log lines go (rejected frames, exits, output printed outside a call); none by default.</summary>
    public Action<string>? Log { get; set; }
}
