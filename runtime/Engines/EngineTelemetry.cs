using System.Diagnostics;
using System.Diagnostics.Metrics;
using Parallax.Engines.Transport;

namespace Parallax.Engines;

/// <summary>
/// What a cluster tells tools that watch it without code from the user: an <see cref="ActivitySource"/>
/// (dotnet-trace, OpenTelemetry tracing) with one activity per call, push or pull from submission to
/// its last answer, and a <see cref="Meter"/> (dotnet-counters, OpenTelemetry metrics) counting
/// requests, bytes and engine deaths. Both are named <see cref="Name"/>; docs/engines.md lists every
/// instrument. Instruments cost one branch when nobody listens.
/// </summary>
internal static class EngineTelemetry
{
    /// <summary>The name of the activity source and of the meter: what a listener subscribes to.</summary>
    public const string Name = "Parallax.Engines";

    private static readonly string? Version = typeof(EngineTelemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource Source = new(Name, Version);

    private static readonly Meter Meter = new(Name, Version);

    /// <summary>Requests sent, one per target engine; tag <c>parallax.operation</c> (apply, push, pull, execute).</summary>
    public static readonly Counter<long> Requests = Meter.CreateCounter<long>("parallax.engine.requests", "{request}", "Requests sent to engines, one per target engine.");

    /// <summary>Seconds from submission to the last target's answer, per call; tags <c>parallax.operation</c> and <c>error.type</c> when it failed.</summary>
    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("parallax.engine.call.duration", "s", "Time from submission to the last engine's answer.");

    /// <summary>Bytes of values pushed (serialized, counted once per push however many targets map them).</summary>
    public static readonly Counter<long> PushedBytes = Meter.CreateCounter<long>("parallax.engine.push.bytes", "By", "Serialized bytes of pushed values, once per push.");

    /// <summary>Bytes of results the client received from engines (pulls and call results), per engine.</summary>
    public static readonly Counter<long> ReceivedBytes = Meter.CreateCounter<long>("parallax.engine.received.bytes", "By", "Bytes of results received from engines.");

    /// <summary>Bytes written into shared-memory segments by the client (pushes and large arguments).</summary>
    public static readonly Counter<long> SegmentBytes = Meter.CreateCounter<long>("parallax.engine.segment.bytes", "By", "Bytes the client wrote into shared-memory segments.");

    /// <summary>Engines found dead (exited, killed, connection lost) while the client was connected.</summary>
    public static readonly Counter<long> EngineDeaths = Meter.CreateCounter<long>("parallax.engine.deaths", "{engine}", "Engines that died while connected.");

    /// <summary>The operation name a request kind stands for, as tags and activity names carry it.</summary>
    public static string Operation(RequestKind kind) => kind switch
    {
        RequestKind.Apply => "apply",
        RequestKind.Push => "push",
        RequestKind.Pull => "pull",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
