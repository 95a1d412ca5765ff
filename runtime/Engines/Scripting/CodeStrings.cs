using MemoryPack;

namespace Parallax.Engines;

/// <summary>
/// The client's side of Execute. On one engine the string is compiled and run in one request. On
/// several, in two phases: every target compiles it against its own namespace (or finds it compiled),
/// and only when all of them succeeded does any run it; a compile error on one engine fails the call
/// with one <see cref="ScriptCompilationException"/> and nothing runs anywhere.
/// </summary>
internal static class CodeStrings
{
    public static AsyncResult Submit(Client client, int[] targets, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        var references = ClientAssemblies.Current();
        var result = new ExecuteResult(targets, cancellationToken);
        if (targets.Length <= 1)
        {
            Send(client, targets, code, references, compileOnly: false, result);
            return result;
        }

        var compiled = new ExecuteResult(targets, CancellationToken.None);
        result.CompilePhase = compiled;
        Send(client, targets, code, references, compileOnly: true, compiled);
        compiled.OnFinished(() =>
        {
            if (compiled.FailureOrNull() is { } failure)
            {
                result.FailAll(failure);
            }
            else if (cancellationToken.IsCancellationRequested)
            {
                result.FailAll(new OperationCanceledException("Execute was cancelled after the code compiled and before it ran: it ran on no engine.", cancellationToken));
            }
            else
            {
                Send(client, targets, code, references, compileOnly: false, result);
            }
        });
        return result;
    }

    private static void Send(Client client, int[] targets, string code, ClientAssemblies references, bool compileOnly, AsyncResult result)
    {
        var meta = MemoryPackSerializer.Serialize(new ExecuteMeta(code, references.Id, references.Framework, references.Paths, compileOnly));
        client.Send(result, targets, FrameKind.Execute, _ => meta, default);
    }
}

/// <summary>
/// The result of an Execute phase: each target's reply says whether the code compiled there and
/// whether it came from the engine's cache. Compile errors of all targets become one
/// <see cref="ScriptCompilationException"/>.
/// </summary>
internal sealed class ExecuteResult : AsyncResult
{
    private readonly ExecuteReply?[] replies;

    public ExecuteResult(IReadOnlyList<int> engineIds, CancellationToken cancellationToken)
        : base(engineIds, cancellationToken) => replies = new ExecuteReply?[engineIds.Count];

    /// <summary>The first phase of a call on several engines, whose replies say what each engine found when the code reached it.</summary>
    public ExecuteResult? CompilePhase { get; set; }

    /// <summary>Whether each target found the compiled script in its cache when the code reached it, in target order (false for a target that failed).</summary>
    public IReadOnlyList<bool> CacheHits => CompilePhase?.CacheHits ?? [.. replies.Select(r => r?.CacheHit ?? false)];

    /// <summary>The exception the call ended with, or null when it succeeded; call once it is ready.</summary>
    public Exception? FailureOrNull()
    {
        try
        {
            Get(TimeSpan.Zero);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private protected override void DecodePart(int index, ReadOnlySpan<byte> data) =>
        replies[index] = MemoryPackSerializer.Deserialize<ExecuteReply>(data) ?? throw new InvalidDataException($"Engine {EngineIds[index]} answered Execute without a reply.");

    private protected override void Combine()
    {
        var failed = replies.Select((reply, i) => (Reply: reply!, Engine: EngineIds[i])).Where(r => r.Reply.Errors.Length > 0).ToArray();
        if (failed.Length > 0)
        {
            var diagnostics = failed.SelectMany(f => f.Reply.Errors).Distinct().Select(e => new ScriptDiagnostic(e.Id, e.Line, e.Column, e.Message)).ToArray();
            throw new ScriptCompilationException(diagnostics, [.. failed.Select(f => f.Engine).Order()]);
        }
    }
}
