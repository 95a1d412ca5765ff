using MemoryPack;

namespace Parallax.Engines.Transport;

/// <summary>What a frame carries. The values are part of the wire format: never renumber.</summary>
internal enum FrameKind : byte
{
    /// <summary>Engine → client, first frame of a connection: the engine's id and the connection nonce.</summary>
    Welcome = 1,

    /// <summary>Client → engine: run a dispatched call.</summary>
    Apply = 2,

    /// <summary>Client → engine: store serialized values in the namespace.</summary>
    Push = 3,

    /// <summary>Client → engine: send back the serialized value of a variable.</summary>
    Pull = 4,

    /// <summary>Client → engine: exit now.</summary>
    Shutdown = 5,

    /// <summary>Client → engine: answer with an empty reply (liveness and tests).</summary>
    Ping = 6,

    /// <summary>Client → engine: compile a C# code string against the namespace, and run it or only report its errors (<see cref="ExecuteMeta"/>).</summary>
    Execute = 7,

    /// <summary>Client → engine: drop the request named in <see cref="CancelMeta"/> if it has not started, else cancel its token. No reply of its own.</summary>
    Cancel = 8,

    /// <summary>Engine → client: the outcome of one request.</summary>
    Reply = 16,

    /// <summary>Engine → client, unsolicited: the engine no longer maps a pushed shared-memory segment, which the client may now reuse.</summary>
    Released = 17,
}

/// <summary>The metadata of <see cref="FrameKind.Welcome"/>.</summary>
[MemoryPackable]
internal sealed partial record WelcomeMeta(int EngineId, int ProcessId, byte[] Nonce);

/// <summary>The metadata of <see cref="FrameKind.Apply"/>; the frame's data are the call's arguments.</summary>
[MemoryPackable]
internal sealed partial record ApplyMeta(string DispatchId, string AssemblyPath, SharedRange? Shared, Guid AssemblyMvid);

/// <summary>
/// The metadata of <see cref="FrameKind.Push"/>: value i is named <c>Names[i]</c>, has type
/// <c>TypeNames[i]</c> and lies at <c>Offsets[i]</c>, <c>Lengths[i]</c> within the frame's data
/// (or, when <c>SharedPath</c> is set, within the shared file, each value with its own tag
/// (<see cref="SegmentMac"/>) so an engine can check each one without reading the others).
/// </summary>
[MemoryPackable]
internal sealed partial record PushMeta(string[] Names, string[] TypeNames, long[] Offsets, long[] Lengths, string? SharedPath, byte[][]? Tags);

/// <summary>The metadata of <see cref="FrameKind.Released"/>: the segment's path, as the push named it.</summary>
[MemoryPackable]
internal sealed partial record ReleasedMeta(string Path);

/// <summary>The metadata of <see cref="FrameKind.Cancel"/>: the request to stop.</summary>
[MemoryPackable]
internal sealed partial record CancelMeta(ulong RequestId);

/// <summary>The metadata of <see cref="FrameKind.Pull"/>.</summary>
[MemoryPackable]
internal sealed partial record PullMeta(string Name, string ExpectedType);

/// <summary>The metadata of <see cref="FrameKind.Reply"/>; the frame's data are the serialized result.</summary>
[MemoryPackable]
internal sealed partial record ReplyMeta(
    long StartedTicks,
    long CompletedTicks,
    string Stdout,
    string Stderr,
    RemoteError? Error,
    SharedRange? Shared);

/// <summary>
/// What became of each task of a load-balanced chunk, after the chunk's values (a MemoryPack array with
/// a default where a task has no value): <see cref="ChunkOutcome.Done"/>, <see cref="ChunkOutcome.Failed"/>
/// (its error is next in <c>Errors</c>), <see cref="ChunkOutcome.Cancelled"/> (it stopped for the call's
/// token) or <see cref="ChunkOutcome.NotStarted"/> (the call was cancelled before the engine reached it).
/// </summary>
[MemoryPackable]
internal sealed partial record ChunkOutcome(byte[] States, RemoteError[] Errors)
{
    public const byte Done = 0;
    public const byte Failed = 1;
    public const byte Cancelled = 2;
    public const byte NotStarted = 3;

    /// <summary>Each text of a task's error is cut to this many characters: a chunk may carry an error for every one of its tasks.</summary>
    private const int TextLimit = 16 << 10;

    /// <summary>A task's exception as the client reads it: type, message, stack trace with the inner exceptions, each text cut to <see cref="TextLimit"/>.</summary>
    public static RemoteError Describe(Exception ex)
    {
        var stack = ex.StackTrace ?? "";
        for (var inner = ex.InnerException; inner is not null && stack.Length <= TextLimit; inner = inner.InnerException)
        {
            stack += $"{Environment.NewLine}---> {inner.GetType().FullName}: {inner.Message}{Environment.NewLine}{inner.StackTrace}";
        }

        static string Cut(string text) => text.Length <= TextLimit ? text : $"{text[..TextLimit]} [... {text.Length - TextLimit} more characters]";
        return new RemoteError(ex.GetType().FullName ?? ex.GetType().Name, Cut(ex.Message), Cut(stack));
    }
}

/// <summary>An exception an engine caught, as text: its type, message and stack trace (with inner exceptions).</summary>
[MemoryPackable]
internal sealed partial record RemoteError(string Type, string Message, string StackTrace);

/// <summary>
/// The metadata of <see cref="FrameKind.Execute"/>: C# code to compile against the engine's namespace,
/// with the client's assemblies as references: framework assemblies by simple name (an engine takes
/// its own runtime's), the client's loaded assemblies by path, and the assemblies those reference from
/// their folders (<c>ExtraReferences</c>, tried only when the code does not compile without them).
/// <c>ReferencesId</c> names the lists, so an engine reads them once. <c>Image</c> comes with
/// <see cref="ExecuteStep.Install"/> only. The reply's data is an <see cref="ExecuteReply"/>.
/// </summary>
[MemoryPackable]
internal sealed partial record ExecuteMeta(string Code, string ReferencesId, string[] FrameworkReferences, string[] References, string[] ExtraReferences, ExecuteStep Step, CompiledScript? Image);

/// <summary>What an Execute frame asks of an engine. Part of the wire format: never renumber.</summary>
internal enum ExecuteStep : byte
{
    /// <summary>Find the code compiled for this namespace, or compile it; reply with its image only when compiled now. Nothing runs.</summary>
    Compile = 0,

    /// <summary>As <see cref="Compile"/>, and reply with the image either way (for engines that lack it).</summary>
    Share = 1,

    /// <summary>Find the code compiled for this namespace; never compile (reply NeedsImage instead), so an engine that has not seen the code loads no compiler.</summary>
    Probe = 2,

    /// <summary>Load the image another engine compiled, if this namespace gives the code's names the same types; else compile. Nothing runs.</summary>
    Install = 3,

    /// <summary>Find or compile the code, then run it.</summary>
    Run = 4,
}

/// <summary>
/// The data of a reply to <see cref="FrameKind.Execute"/>: the code's compile errors (none when it
/// compiled), whether the compiled script came from the engine's cache, whether the engine needs an
/// image (<see cref="ExecuteStep.Probe"/>), and the image it compiled.
/// </summary>
[MemoryPackable]
internal sealed partial record ExecuteReply(ScriptError[] Errors, bool CacheHit, bool NeedsImage, CompiledScript? Image);

/// <summary>One compile error, at a 1-based line and column of the code string (0, 0 for code Parallax generated).</summary>
[MemoryPackable]
internal sealed partial record ScriptError(string Id, int Line, int Column, string Message);

/// <summary>
/// A code string compiled by one engine, for the others: the names it uses (<c>Identifiers</c>) and
/// declares at top level, the namespace variables it was compiled against (<c>VariableNames</c> with
/// <c>VariableTypes</c>: an engine whose namespace gives those names other types compiles its own),
/// and its submissions in order.
/// </summary>
[MemoryPackable]
internal sealed partial record CompiledScript(string[] Identifiers, string[] Declared, string[] VariableNames, string[] VariableTypes, ScriptSubmission[] Submissions);

/// <summary>One emitted script submission: its assembly and portable PDB, and its factory method (<c>Task&lt;object&gt; F(object[] submissions)</c>).</summary>
[MemoryPackable]
internal sealed partial record ScriptSubmission(byte[] Assembly, byte[] Symbols, string TypeName, string MethodName);
