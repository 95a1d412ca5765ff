using System.Security.Cryptography;
using MemoryPack;
using Orleans;
using Orleans.Concurrency;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// The engine a silo process hosts: the engine host's executor (namespace, invoker table, console
/// capture, errors as text), the process's incarnation, and its transfers. One per silo process:
/// engine code reads its namespace from a static, as in a local engine process.
/// </summary>
internal sealed class SiloEngine
{
    /// <summary>One request at a time, waited for without holding a thread (requests from several clients queue here).</summary>
    private readonly SemaphoreSlim turn = new(1, 1);

    public SiloEngine(int engineId)
    {
        // Nothing arrives through shared memory here: the MAC that would check it is a throw-away key.
        Executor = EngineExecutor.Install(engineId, new SegmentMac(RandomNumberGenerator.GetBytes(32)), TextLimit);
        Identity = new EngineIdentity { EngineId = engineId, Incarnation = Guid.NewGuid(), ProcessId = Environment.ProcessId, Machine = Environment.MachineName };
    }

    /// <summary>The most characters of each text (output, an exception's message or stack) a reply carries: well inside a chunk.</summary>
    public const int TextLimit = 1 << 20;

    public EngineExecutor Executor { get; }

    public EngineIdentity Identity { get; private set; }

    /// <summary>Tells clients (in <see cref="Identity"/>) where this silo's data port listens.</summary>
    public void Listening(int dataPort) => Identity = Identity with { DataPort = dataPort };

    public Transfers Transfers { get; } = new();

    /// <summary>The calls sent to this engine, by the ids clients name them by: where each stands, and the tokens of the running ones.</summary>
    public CallTokens Calls { get; } = new();

    /// <summary>
    /// Runs request <paramref name="call"/> on a pool thread, off the grain's scheduler, once the
    /// requests that arrived before it have run: the grain is reentrant, so every call is known here
    /// (<see cref="Calls"/>) from the moment it arrives, and interleaving calls (uploads, downloads,
    /// cancels, status) are served while user code runs; the executor still runs one at a time.
    /// The request sees its token as <c>Engine.CancellationToken</c>.
    /// </summary>
    public async Task<GrainReply> RunAsync(Guid call, Func<CapturedOutput, Payload> request)
    {
        Calls.Arrived(call);
        Executed done;
        await turn.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!Calls.TryBegin(call, out var token))
            {
                var now = DateTime.UtcNow.Ticks;
                return new GrainReply
                {
                    StartedTicks = now,
                    CompletedTicks = now,
                    ErrorType = typeof(OperationCanceledException).FullName,
                    ErrorMessage = $"The call was cancelled before it started on engine {Identity.EngineId}.",
                    Incarnation = Identity.Incarnation,
                };
            }

            try
            {
                done = await Task.Run(() => Executor.Run(output =>
                {
                    RunningCall.Token = token;
                    try
                    {
                        return request(output);
                    }
                    finally
                    {
                        RunningCall.Token = default;
                    }
                })).ConfigureAwait(false);
            }
            finally
            {
                Calls.End(call);
            }
        }
        finally
        {
            turn.Release();
        }

        var completed = DateTime.UtcNow.Ticks;
        var reply = new GrainReply
        {
            StartedTicks = done.StartedTicks,
            CompletedTicks = completed,
            Stdout = done.Stdout,
            Stderr = done.Stderr,
            ErrorType = done.Error?.Type,
            ErrorMessage = done.Error?.Message,
            ErrorStack = done.Error?.StackTrace,
            Incarnation = Identity.Incarnation,
        };
        if (done.Error is not null)
        {
            return reply;
        }

        try
        {
            if (done.Result.SizeBound <= Transfers.InlineBytes)
            {
                var bytes = done.Result.ToBytes();
                return reply with { Inline = bytes, Length = bytes.Length };
            }

            var (parked, length) = Transfers.Park(done.Result);
            return reply with { Parked = parked, Length = length };
        }
        catch (Exception ex)
        {
            // A result that cannot be serialized fails the call, never the engine.
            var error = Executor.Describe(ex);
            return reply with { ErrorType = error.Type, ErrorMessage = error.Message, ErrorStack = error.StackTrace };
        }
    }
}

/// <summary>
/// Engine grain <c>id</c>: lives on the silo named <c>engine-{id}</c> for as long as that silo runs
/// (<see cref="KeepAliveAttribute"/>: an idle engine keeps its namespace), and hands each request to the
/// silo's <see cref="SiloEngine"/>. Reentrant: a request is registered the moment it arrives rather
/// than when Orleans would start it, so the engine can tell a client's check (<see cref="Status"/>)
/// that a request waiting behind another client's long call has arrived; <see cref="SiloEngine"/>
/// still runs requests one at a time, and each client sends an engine its next request only after
/// the previous one answered.
/// </summary>
[EnginePlacement]
[KeepAlive]
[Reentrant]
[GrainType("parallax-engine")]
internal sealed class EngineGrain(SiloEngine engine) : Grain, IEngineGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyLong();
        return key == engine.Identity.EngineId
            ? base.OnActivateAsync(cancellationToken)
            : throw new InvalidOperationException($"Engine grain {key} was activated on the silo of engine {engine.Identity.EngineId}; engine grains are placed on the silo named for their id only.");
    }

    public Task<EngineIdentity> Hello() => Task.FromResult(engine.Identity);

    public Task<GrainReply> Apply(string dispatchId, string assemblyPath, Guid mvid, ReadOnlyMemory<byte> arguments, Guid upload, Guid call, CancellationToken cancellationToken) =>
        engine.RunAsync(call, output =>
        {
            if (upload == Guid.Empty)
            {
                return EngineExecutor.Apply(dispatchId, assemblyPath, mvid, arguments, output);
            }

            var (bytes, buffer) = engine.Transfers.Take(upload);
            try
            {
                return EngineExecutor.Apply(dispatchId, assemblyPath, mvid, bytes, output);
            }
            finally
            {
                buffer.Release(); // the arguments were read into the call's own objects
            }
        });

    public Task<GrainReply> Push(string[] names, string[] typeNames, long[] lengths, ReadOnlyMemory<byte> data, Guid upload, Guid call, CancellationToken cancellationToken) => engine.RunAsync(call, _ =>
    {
        if (names.Length != typeNames.Length || names.Length != lengths.Length)
        {
            throw new ArgumentException($"A push names {names.Length} values, {typeNames.Length} types and {lengths.Length} lengths; they must match.");
        }

        var (bytes, buffer) = upload == Guid.Empty ? (data, null) : engine.Transfers.Take(upload);
        try
        {
            if (lengths.Sum() != bytes.Length)
            {
                throw new ArgumentException($"A push's values take {lengths.Sum()} bytes, but {bytes.Length} arrived.");
            }

            // Each value holds the upload's buffer until it is replaced or read (then the buffer takes a later upload).
            long at = 0;
            for (var i = 0; i < names.Length; i++)
            {
                engine.Executor.Namespace.SetSerialized(names[i], typeNames[i], bytes.Slice((int)at, (int)lengths[i]), buffer, null);
                at += lengths[i];
            }
        }
        finally
        {
            buffer?.Release();
        }

        return Payload.FromBytes(default);
    });

    public Task<GrainReply> Pull(string name, string expectedType, Guid call, CancellationToken cancellationToken) => engine.RunAsync(call, _ => engine.Executor.Pull(name, expectedType));

    public Task<GrainReply> Execute(ReadOnlyMemory<byte> meta, Guid call, CancellationToken cancellationToken) =>
        engine.RunAsync(call, output => engine.Executor.RunCode(MemoryPackSerializer.Deserialize<ExecuteMeta>(meta.Span)!, output));

    public Task Cancel(Guid call)
    {
        engine.Calls.Cancel(call);
        return Task.CompletedTask;
    }

    public Task<GrainReply> Ping(Guid call, CancellationToken cancellationToken) => engine.RunAsync(call, _ => Payload.FromBytes(default));

    public Task<CallState[]> Status(Guid[] calls) => Task.FromResult(engine.Calls.States(calls));

    public Task Upload(Guid upload, long total, long offset, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        engine.Transfers.Write(upload, total, offset, chunk.Span);
        return Task.CompletedTask;
    }

    public Task<ReadOnlyMemory<byte>> Download(Guid parked, long offset, int length, CancellationToken cancellationToken) => Task.FromResult(engine.Transfers.Read(parked, offset, length));

    public Task Drop(Guid transfer)
    {
        engine.Transfers.Drop(transfer);
        return Task.CompletedTask;
    }
}
