using Orleans;
using Orleans.Concurrency;

namespace Parallax.Engines.Silos;

/// <summary>
/// One engine, as a grain: engine id = grain key, placed on the silo named <c>engine-{id}</c>
/// (<see cref="EnginePlacement"/>). Requests run one at a time, as on a local engine; transfers
/// (<see cref="Upload"/>, <see cref="Download"/>, <see cref="Drop"/>), <see cref="Hello"/> and
/// <see cref="Status"/> interleave with a running call, so a push's data streams in while an earlier
/// call still runs. Every request carries an id (<c>call</c>) and the token the client cancels when
/// the engine's silo is found dead, or when the engine says it has no such call running (its request
/// or answer was lost), so nothing waits for Orleans' response timeout.
/// No message carries more than <see cref="Transfers.ChunkBytes"/> of data: Orleans closes a
/// connection over a message above 100 MiB (MessagingOptions.MaxMessageBodySize).
/// </summary>
[Alias("parallax.engine")]
internal interface IEngineGrain : IGrainWithIntegerKey
{
    /// <summary>Says who this engine is: its id and the incarnation of its silo process.</summary>
    [Alias("hello"), AlwaysInterleave]
    Task<EngineIdentity> Hello();

    /// <summary>
    /// Runs dispatch stub <paramref name="dispatchId"/> of build <paramref name="mvid"/> of <paramref name="assemblyPath"/> on <paramref name="arguments"/>, or on the bytes uploaded as <paramref name="upload"/> when it is not empty.
    /// <paramref name="call"/> names it for <see cref="Cancel"/>, which cancels its <c>Engine.CancellationToken</c>.
    /// </summary>
    [Alias("apply"), ResponseTimeout(OrleansEngines.CallTimeoutText)]
    Task<GrainReply> Apply(string dispatchId, string assemblyPath, Guid mvid, ReadOnlyMemory<byte> arguments, Guid upload, Guid call, CancellationToken cancellationToken);

    /// <summary>
    /// Stores values: value i is named <paramref name="names"/>[i], has type <paramref name="typeNames"/>[i] and
    /// takes <paramref name="lengths"/>[i] bytes, one after the other in <paramref name="data"/> or in the bytes uploaded as <paramref name="upload"/>.
    /// </summary>
    [Alias("push"), ResponseTimeout(OrleansEngines.CallTimeoutText)]
    Task<GrainReply> Push(string[] names, string[] typeNames, long[] lengths, ReadOnlyMemory<byte> data, Guid upload, Guid call, CancellationToken cancellationToken);

    /// <summary>Sends back variable <paramref name="name"/>, serialized, inline or parked for <see cref="Download"/>.</summary>
    [Alias("pull"), ResponseTimeout(OrleansEngines.CallTimeoutText)]
    Task<GrainReply> Pull(string name, string expectedType, Guid call, CancellationToken cancellationToken);

    /// <summary>One step of Execute for a C# code string: <paramref name="meta"/> is its MemoryPack-serialized ExecuteMeta, the same as a local engine's frame carries; <paramref name="call"/> names it for <see cref="Cancel"/>.</summary>
    [Alias("execute"), ResponseTimeout(OrleansEngines.CallTimeoutText)]
    Task<GrainReply> Execute(ReadOnlyMemory<byte> meta, Guid call, CancellationToken cancellationToken);

    /// <summary>
    /// Cancels the <c>Engine.CancellationToken</c> of call <paramref name="call"/> while it runs; a call
    /// cancelled before it arrives answers at once, cancelled, without running. Interleaves with the call.
    /// </summary>
    [Alias("cancel"), AlwaysInterleave]
    Task Cancel(Guid call);

    /// <summary>Answers with an empty reply, after the requests before it.</summary>
    [Alias("ping"), ResponseTimeout(OrleansEngines.CallTimeoutText)]
    Task<GrainReply> Ping(Guid call, CancellationToken cancellationToken);

    /// <summary>
    /// Where each of <paramref name="calls"/> stands on this engine: a client asks about the requests it
    /// has waited on for a while, and fails one the engine does not know or has answered already (its
    /// request or its answer was lost) rather than wait for it forever; a call that runs, however long, is never cut.
    /// </summary>
    [Alias("status"), AlwaysInterleave]
    Task<CallState[]> Status(Guid[] calls);

    /// <summary>Writes <paramref name="chunk"/> at <paramref name="offset"/> of upload <paramref name="upload"/>, which is <paramref name="total"/> bytes long.</summary>
    [Alias("upload"), AlwaysInterleave]
    Task Upload(Guid upload, long total, long offset, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> of a parked result.</summary>
    [Alias("download"), AlwaysInterleave]
    Task<ReadOnlyMemory<byte>> Download(Guid parked, long offset, int length, CancellationToken cancellationToken);

    /// <summary>Forgets an upload or a parked result (read, or given up).</summary>
    [Alias("drop"), AlwaysInterleave]
    Task Drop(Guid transfer);
}

/// <summary>Who answers as an engine: its id, and the incarnation of its silo process (new at every start: a new incarnation has an empty namespace).</summary>
[GenerateSerializer, Immutable, Alias("parallax.engine-identity")]
internal sealed record EngineIdentity
{
    [Id(0)] public int EngineId { get; init; }

    [Id(1)] public Guid Incarnation { get; init; }

    [Id(2)] public int ProcessId { get; init; }

    [Id(3)] public string Machine { get; init; } = "";

    /// <summary>The silo's port for bulk data and the client's watch (<see cref="DataPort"/>), on the silo's address; 0 when it has none.</summary>
    [Id(4)] public int DataPort { get; init; }
}

/// <summary>
/// An engine's answer to one request: when it ran, what it printed, the exception its code threw, and
/// its serialized result, inline when it fits a chunk and otherwise parked on the engine under
/// <see cref="Parked"/> for the client to download in chunks.
/// </summary>
[GenerateSerializer, Immutable, Alias("parallax.engine-reply")]
internal sealed record GrainReply
{
    [Id(0)] public long StartedTicks { get; init; }

    [Id(1)] public long CompletedTicks { get; init; }

    [Id(2)] public string Stdout { get; init; } = "";

    [Id(3)] public string Stderr { get; init; } = "";

    [Id(4)] public string? ErrorType { get; init; }

    [Id(5)] public string? ErrorMessage { get; init; }

    [Id(6)] public string? ErrorStack { get; init; }

    [Id(7)] public ReadOnlyMemory<byte> Inline { get; init; }

    [Id(8)] public Guid Parked { get; init; }

    [Id(9)] public long Length { get; init; }

    [Id(10)] public Guid Incarnation { get; init; }
}
