using MemoryPack;
using Parallax.Engines.Transport;

namespace Parallax.Engines;

/// <summary>
/// The client's side of Execute. On one engine the string is compiled (if that engine has not already)
/// and run in one request. On several, nothing runs until every target holds the compiled script:
/// <list type="number">
/// <item>the first target compiles it (or finds it in its cache) while the others only look in
/// theirs (<see cref="ExecuteStep.Probe"/>: an engine that has not seen the string loads no compiler);</item>
/// <item>targets that lack it receive the first target's image and load it, or compile their own when
/// their namespace gives the string's names other types;</item>
/// <item>all run it.</item>
/// </list>
/// A compile error on any target fails the call with one <see cref="ScriptCompilationException"/>
/// before step 3, so the code runs nowhere. A string every target has compiled costs two round trips.
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
            Send(client, targets, new ExecuteMeta(code, references.Id, references.Framework, references.Paths, references.Extra, ExecuteStep.Run, null), result);
            return result;
        }

        _ = PrepareThenRunAsync(client, targets, code, references, result, cancellationToken);
        return result;
    }

    private static async Task PrepareThenRunAsync(Client client, int[] targets, string code, ClientAssemblies references, ExecuteResult result, CancellationToken cancellationToken)
    {
        try
        {
            ExecuteMeta Meta(ExecuteStep step, CompiledScript? image = null) =>
                new(code, references.Id, references.Framework, references.Paths, references.Extra, step, image);

            var first = Request(client, targets[..1], Meta(ExecuteStep.Compile));
            var others = Request(client, targets[1..], Meta(ExecuteStep.Probe));
            var replies = (await first.ConfigureAwait(false)).Concat(await others.ConfigureAwait(false)).ToArray();
            result.CacheHits = [.. replies.Select(r => r.CacheHit)];
            Throw(replies, targets);

            var lacking = Enumerable.Range(1, targets.Length - 1).Where(i => replies[i].NeedsImage).ToArray();
            if (lacking.Length > 0)
            {
                var image = replies[0].Image ?? (await Request(client, targets[..1], Meta(ExecuteStep.Share)).ConfigureAwait(false))[0].Image!;
                var installed = await Request(client, [.. lacking.Select(i => targets[i])], Meta(ExecuteStep.Install, image)).ConfigureAwait(false);
                Throw(installed, [.. lacking.Select(i => targets[i])]);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("Execute was cancelled after the code compiled and before it ran: it ran on no engine.", cancellationToken);
            }

            Send(client, targets, Meta(ExecuteStep.Run), result);
        }
        catch (Exception ex)
        {
            result.FailAll(ex);
        }
    }

    /// <summary>One step on <paramref name="targets"/>, each engine's reply in target order; an engine that failed or died throws.</summary>
    private static async Task<ExecuteReply[]> Request(Client client, int[] targets, ExecuteMeta meta)
    {
        var step = new AsyncResult<ExecuteReply[]>(
            targets,
            CancellationToken.None,
            static data => MemoryPackSerializer.Deserialize<ExecuteReply>(data) ?? throw new InvalidDataException("An engine answered Execute without a reply."),
            static parts => [.. parts.Cast<ExecuteReply>()]);
        Send(client, targets, meta, step);
        return await step.WaitAsync().ConfigureAwait(false);
    }

    private static void Send(Client client, int[] targets, ExecuteMeta meta, AsyncResult result) =>
        client.Submit(new ExecuteRequest(meta), targets, result);

    /// <summary>Throws one <see cref="ScriptCompilationException"/> for the compile errors of every target that reported some.</summary>
    internal static void Throw(IReadOnlyList<ExecuteReply> replies, IReadOnlyList<int> targets)
    {
        var failed = replies.Select((reply, i) => (Reply: reply, Engine: targets[i])).Where(r => r.Reply.Errors.Length > 0).ToArray();
        if (failed.Length > 0)
        {
            var diagnostics = failed.SelectMany(f => f.Reply.Errors).Distinct().Select(e => new ScriptDiagnostic(e.Id, e.Line, e.Column, e.Message)).ToArray();
            throw new ScriptCompilationException(diagnostics, [.. failed.Select(f => f.Engine).Order()]);
        }
    }
}

/// <summary>
/// The result of Execute: each target's reply to the run says whether the code compiled there (on one
/// engine the run is also the compile), and whether the engine had the compiled script already.
/// </summary>
internal sealed class ExecuteResult : AsyncResult
{
    private readonly ExecuteReply?[] replies;

    public ExecuteResult(IReadOnlyList<int> engineIds, CancellationToken cancellationToken)
        : base(engineIds, cancellationToken) => replies = new ExecuteReply?[engineIds.Count];

    /// <summary>Whether each target had the compiled script when the code reached it, in target order (false for a target that failed).</summary>
    public IReadOnlyList<bool> CacheHits
    {
        get => field ?? [.. replies.Select(r => r?.CacheHit ?? false)];
        set;
    }

    private protected override void DecodePart(int index, ReadOnlySpan<byte> data) =>
        replies[index] = MemoryPackSerializer.Deserialize<ExecuteReply>(data) ?? throw new InvalidDataException($"Engine {EngineIds[index]} answered Execute without a reply.");

    private protected override void Combine() => CodeStrings.Throw([.. replies.Select(r => r!)], EngineIds);
}
