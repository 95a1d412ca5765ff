namespace Parallax.Engines.Transport;

/// <summary>
/// What a request asks of an engine. A new kind is a member here, a request record below, its
/// encoding in the transports (<see cref="LocalEngines"/>) and its handler in the engine host
/// (<c>Parallax.Engines.Host.EngineRequests</c>).
/// </summary>
internal enum RequestKind
{
    /// <summary>Run a dispatched call (<see cref="ApplyRequest"/>).</summary>
    Apply,

    /// <summary>Store named values in the namespace (<see cref="PushRequest"/>).</summary>
    Push,

    /// <summary>Send back a variable's serialized value (<see cref="PullRequest"/>).</summary>
    Pull,

    /// <summary>Answer with an empty reply (<see cref="PingRequest"/>): liveness and tests.</summary>
    Ping,

    /// <summary>Compile a C# code string against the namespace, and run it or do one step of preparing it (<see cref="ExecuteRequest"/>).</summary>
    Execute,
}

/// <summary>
/// One request to one or more engines, in the client's terms: its kind, its typed metadata and its
/// payload. A transport (<see cref="IEngines.Send"/>) decides how it travels and completes it
/// through an <see cref="IReplySink"/>, one answer per target.
/// </summary>
internal abstract record EngineRequest(RequestKind Kind);

/// <summary>
/// Runs the dispatch stub <paramref name="DispatchId"/> of <paramref name="AssemblyPath"/> with the same serialized arguments on
/// every target. <paramref name="AssemblyMvid"/> names the build of that assembly the client runs, so that engines serving
/// clients of two builds of one assembly keep them apart (<see cref="Guid.Empty"/>: not known).
/// </summary>
internal sealed record ApplyRequest(string DispatchId, string AssemblyPath, ReadOnlyMemory<byte> Arguments, Guid AssemblyMvid = default) : EngineRequest(RequestKind.Apply);

/// <summary>Reads variable <paramref name="Name"/>, which the client will read as <paramref name="ExpectedType"/>.</summary>
internal sealed record PullRequest(string Name, string ExpectedType) : EngineRequest(RequestKind.Pull);

/// <summary>Asks for an empty reply.</summary>
internal sealed record PingRequest() : EngineRequest(RequestKind.Ping);

/// <summary>One step of Execute (<see cref="ExecuteStep"/>) for a code string, the same on every target; each answers with an <see cref="ExecuteReply"/>.</summary>
internal sealed record ExecuteRequest(ExecuteMeta Meta) : EngineRequest(RequestKind.Execute);

/// <summary>A value to push: its name, the type engines read it as, and its serialized (or still to serialize) bytes.</summary>
internal readonly record struct NamedValue(string Name, string TypeName, Payload Payload);

/// <summary>
/// Stores named values on each target: one set for every target, or one set per target in target
/// order (a scatter). Large pushes are written once, for every target, into one shared segment.
/// </summary>
internal sealed record PushRequest : EngineRequest
{
    /// <summary>Creates the request, refusing before anything is written or sent values that one push cannot carry.</summary>
    /// <param name="perTarget">One set for every target, or one per target.</param>
    /// <exception cref="NotSupportedException">The values add up to more than <see cref="Payload.MaxSize"/> bytes.</exception>
    public PushRequest(IReadOnlyList<NamedValue>[] perTarget)
        : base(RequestKind.Push)
    {
        PerTarget = perTarget;
        All = [.. perTarget.SelectMany(v => v)];
        TotalSize = All.Sum(v => v.Payload.SizeBound);
        if (TotalSize > Payload.MaxSize)
        {
            throw new NotSupportedException(
                $"The values pushed together ({string.Join(", ", All.Select(v => $"{v.Name}: {v.Payload.SizeBound} bytes"))}) add up to {TotalSize} bytes, more than the {Payload.MaxSize} bytes one push carries. " +
                "Push them one at a time, or Scatter large arrays over the engines.");
        }
    }

    /// <summary>Gets one set of values for every target, or one per target.</summary>
    public IReadOnlyList<NamedValue>[] PerTarget { get; }

    /// <summary>Gets every value of every set, in order: what one shared segment holds.</summary>
    public NamedValue[] All { get; }

    /// <summary>Gets the bytes every value takes at most, added up.</summary>
    public long TotalSize { get; }

    /// <summary>Gets whether every target stores the same set.</summary>
    public bool IsSame => PerTarget.Length == 1;
}
