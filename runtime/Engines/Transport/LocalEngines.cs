using MemoryPack;

namespace Parallax.Engines.Transport;

/// <summary>
/// Engines on this machine reached over their Unix sockets (<see cref="EngineConnection"/>), with
/// large data through shared memory in the cluster's private folder. Whoever runs the engines (the
/// cluster that started them) attaches a connection when an engine is ready and detaches it when
/// the engine stops; this class only talks to them. It turns each <see cref="EngineRequest"/> into
/// frames, deciding once for all targets where its data travels (<see cref="Placement"/>): a
/// call's large arguments and a large push are written into one segment that every target maps.
/// </summary>
internal sealed class LocalEngines : IEngines, IAsyncDisposable
{
    private readonly EngineConnection?[] connections;
    private readonly Placement placement;
    private readonly string callTag;
    private readonly Func<int, string> explainAbsent;
    private readonly ClientLease? lease;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int closed;

    /// <param name="engineCount">How many engines there are (ids 0 to this − 1).</param>
    /// <param name="info">The cluster's connection settings: key, folders, limits.</param>
    /// <param name="owner">What a user disposes to close these engines, for messages.</param>
    /// <param name="lease">
    /// The client's claim on the segments it writes, when it shares the cluster's folder with other
    /// clients (a standing cluster): its segments carry the lease's id, so that whoever outlives the
    /// client removes them. Null when this program owns the folder (it removes the folder).
    /// </param>
    /// <param name="explainAbsent">Why engine i has no live connection, for <see cref="EngineDiedException"/>; by default, it is restarting.</param>
    public LocalEngines(int engineCount, ConnectionInfo info, string owner, ClientLease? lease = null, Func<int, string>? explainAbsent = null)
    {
        Info = info;
        Owner = owner;
        connections = new EngineConnection?[engineCount];
        placement = new Placement(info.SharedMemoryThreshold, info.SegmentMac);
        PushSegments = new PushSegments(info.SegmentFolder, owner, lease?.PushTag ?? "push");
        callTag = lease?.CallTag ?? "call";
        this.lease = lease;
        this.explainAbsent = explainAbsent ?? (_ => "it is not running: it is restarting");
    }

    /// <summary>Gets the cluster's connection settings.</summary>
    public ConnectionInfo Info { get; }

    /// <summary>Gets the pool of segments pushes go through.</summary>
    public PushSegments PushSegments { get; }

    public int EngineCount => connections.Length;

    public IReadOnlyList<int> LiveIds => [.. Enumerable.Range(0, connections.Length).Where(id => Volatile.Read(ref connections[id]) is { IsAlive: true })];

    public Task Changed => Volatile.Read(ref changed).Task;

    public bool IsClosed => Volatile.Read(ref closed) != 0;

    public string Owner { get; }

    public string ClusterId => Info.ClusterId;

    public TimeSpan ReceivePolling => Info.Polling;

    IEngineConnection? IEngines.Connection(int engineId) => Get(engineId);

    /// <summary>Gets the connection to engine <paramref name="engineId"/>, or null.</summary>
    public EngineConnection? Get(int engineId) => (uint)engineId < (uint)connections.Length ? Volatile.Read(ref connections[engineId]) : null;

    /// <summary>Connects to engine <paramref name="engineId"/>, whose socket listens, and makes it a target; its death is a change.</summary>
    public EngineConnection Attach(int engineId, System.Diagnostics.Process? process, Action<string> log)
    {
        var connection = EngineConnection.Connect(engineId, process, Info, log, PushSegments, SignalChanged, process is null ? () => explainAbsent(engineId) : null);
        Volatile.Write(ref connections[engineId], connection);
        SignalChanged();
        return connection;
    }

    /// <summary>Takes engine <paramref name="engineId"/>'s connection out (to stop or restart it); requests to it fail until one is attached again.</summary>
    public EngineConnection? Detach(int engineId)
    {
        var old = Interlocked.Exchange(ref connections[engineId], null);
        SignalChanged();
        return old;
    }

    /// <summary>Takes <paramref name="connection"/> out if it is still its engine's (to stop it and start another); false when it is not.</summary>
    public bool TryDetach(EngineConnection connection)
    {
        if (Interlocked.CompareExchange(ref connections[connection.EngineId], null, connection) != connection)
        {
            return false;
        }

        SignalChanged();
        return true;
    }

    /// <summary>Puts back a connection <see cref="TryDetach"/> took out and that is to stay.</summary>
    public void Reattach(EngineConnection connection)
    {
        Volatile.Write(ref connections[connection.EngineId], connection);
        SignalChanged();
    }

    /// <summary>
    /// Gets or sets how the owner of the engines stops a cancelled call that ignores its token: it takes the
    /// connection out, runs the given function (which fails the call with <see cref="EngineRestartedException"/>,
    /// or returns false when the call has answered meanwhile and the engine is to stay), and restarts the
    /// engine. Null: such a call runs on.
    /// </summary>
    public Func<EngineConnection, Func<bool>, Task>? Interrupt { get; init; }

    /// <summary>Gets or sets how long a cancelled call may run on before <see cref="Interrupt"/> (<c>ClusterOptions.InterruptGrace</c>).</summary>
    public TimeSpan InterruptGrace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Refuses every later request and takes every connection out, for the caller to stop; returns them.</summary>
    public EngineConnection[] Close()
    {
        Volatile.Write(ref closed, 1);
        var all = connections.Select((_, i) => Interlocked.Exchange(ref connections[i], null)).OfType<EngineConnection>().ToArray();
        SignalChanged();
        return all;
    }

    /// <summary>
    /// A client of engines someone else runs lets go of them (<c>Client.DisposeAsync</c> of a connected
    /// client): requests still pending fail, the connections close, the engines go on serving with their
    /// namespaces, and this client's segments and lease are removed. Values the engines keep from its
    /// pushes stay readable: a removed name leaves the mapped pages.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        foreach (var connection in Close())
        {
            connection.Disconnect($"the {Owner} was disposed before the engine answered");
        }

        PushSegments.DeleteAll();
        lease?.Dispose();
        return ValueTask.CompletedTask;
    }

    public ISentRequest Send(EngineRequest request, IReadOnlyList<int> targets, IReplySink sink)
    {
        ThrowIfClosed();
        var sent = new SentRequest(this, targets.Count, request.Kind == RequestKind.Apply);
        switch (request)
        {
            case ApplyRequest apply:
                SendCall(apply, targets, sink, sent);
                break;
            case PushRequest push:
                SendPush(push, targets, sink, sent);
                break;
            case PullRequest pull:
                SendToAll(FrameKind.Pull, MemoryPackSerializer.Serialize(new PullMeta(pull.Name, pull.ExpectedType)), targets, sink, sent);
                break;
            case PingRequest:
                SendToAll(FrameKind.Ping, [], targets, sink, sent);
                break;
            case ExecuteRequest execute:
                SendToAll(FrameKind.Execute, MemoryPackSerializer.Serialize(execute.Meta), targets, sink, sent);
                break;
            default:
                throw new NotSupportedException($"Local engines have no encoding for {request.Kind} requests.");
        }

        return sent;
    }

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw new ObjectDisposedException(Owner);
        }
    }

    private void SignalChanged() => Interlocked.Exchange(ref changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private void SendToAll(FrameKind kind, ReadOnlySpan<byte> meta, IReadOnlyList<int> targets, IReplySink sink, SentRequest sent)
    {
        for (var i = 0; i < targets.Count; i++)
        {
            SendTo(targets[i], kind, meta, default, sink, i, sent);
        }
    }

    /// <summary>The same arguments to every target: when large, written once into a segment every target maps, removed once all have answered.</summary>
    private void SendCall(ApplyRequest apply, IReadOnlyList<int> targets, IReplySink sink, SentRequest sent)
    {
        var arguments = apply.Arguments;
        if (!placement.IsShared(arguments.Length))
        {
            var inline = MemoryPackSerializer.Serialize(new ApplyMeta(apply.DispatchId, apply.AssemblyPath, null, apply.AssemblyMvid));
            for (var i = 0; i < targets.Count; i++)
            {
                SendTo(targets[i], FrameKind.Apply, inline, arguments.Span, sink, i, sent);
            }

            return;
        }

        var segment = SharedSegment.Create(Info.SegmentFolder, callTag, arguments.Length);
        SharedRange range;
        try
        {
            range = placement.Write(segment, [Payload.FromBytes(arguments)])[0];
        }
        catch
        {
            segment.Delete();
            segment.Release();
            throw;
        }

        EngineTelemetry.SegmentBytes.Add(arguments.Length);
        sink.ReleaseWhenDone(() =>
        {
            segment.Unlink();
            segment.Release();
        });
        SendToAll(FrameKind.Apply, MemoryPackSerializer.Serialize(new ApplyMeta(apply.DispatchId, apply.AssemblyPath, range, apply.AssemblyMvid)), targets, sink, sent);
    }

    /// <summary>
    /// Pushes named values. When they are larger in total than the threshold they are written into ONE
    /// shared segment (from the pool, reused once every target released it) that every target maps,
    /// arrays of primitives serialized straight into it.
    /// </summary>
    private void SendPush(PushRequest push, IReadOnlyList<int> targets, IReplySink sink, SentRequest sent)
    {
        if (!push.IsSame && push.PerTarget.Length != targets.Count)
        {
            throw new ArgumentException($"A push with one set of values per target has {push.PerTarget.Length} sets for {targets.Count} targets.", nameof(push));
        }

        if (!placement.IsShared(push.TotalSize))
        {
            // Every frame is built before the first goes out: a value that fails to serialize throws with nothing sent.
            var frames = new (byte[] Meta, byte[] Data)[push.IsSame ? 1 : targets.Count];
            for (var i = 0; i < frames.Length; i++)
            {
                var values = push.PerTarget[i];
                var bytes = values.Select(v => v.Payload.ToBytes()).ToArray();
                var data = new byte[bytes.Sum(b => b.Length)];
                var offsets = new long[values.Count];
                var position = 0;
                for (var j = 0; j < values.Count; j++)
                {
                    offsets[j] = position;
                    bytes[j].Span.CopyTo(data.AsSpan(position));
                    position += bytes[j].Length;
                }

                var meta = new PushMeta([.. values.Select(v => v.Name)], [.. values.Select(v => v.TypeName)], offsets, [.. bytes.Select(b => (long)b.Length)], null, null);
                frames[i] = (MemoryPackSerializer.Serialize(meta), data);
            }

            for (var i = 0; i < targets.Count; i++)
            {
                var (meta, data) = frames[push.IsSame ? 0 : i];
                EngineTelemetry.PushedBytes.Add(data.Length);
                SendTo(targets[i], FrameKind.Push, meta, data, sink, i, sent);
            }

            return;
        }

        var segment = PushSegments.Rent(push.TotalSize, targets);
        SharedRange[] ranges;
        try
        {
            ranges = placement.Write(segment, [.. push.All.Select(v => v.Payload)]);

            // Closed while this thread wrote: the engines are gone, and nothing may go out.
            ThrowIfClosed();
        }
        catch
        {
            PushSegments.PushFinished(segment);
            throw;
        }

        var written = ranges.Sum(r => r.Length);
        EngineTelemetry.SegmentBytes.Add(written);
        EngineTelemetry.PushedBytes.Add(written);
        sink.ReleaseWhenDone(() => PushSegments.PushFinished(segment));
        var first = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            var count = (push.IsSame ? push.PerTarget[0] : push.PerTarget[i]).Count;
            var mine = ranges[first..(first + count)];
            var meta = new PushMeta(
                [.. push.All[first..(first + count)].Select(v => v.Name)],
                [.. push.All[first..(first + count)].Select(v => v.TypeName)],
                [.. mine.Select(r => r.Offset)],
                [.. mine.Select(r => r.Length)],
                segment.Path,
                [.. mine.Select(r => r.Tag)]);
            SendTo(targets[i], FrameKind.Push, MemoryPackSerializer.Serialize(meta), default, sink, i, sent);
            first = push.IsSame ? 0 : first + count;
        }
    }

    private void SendTo(int engineId, FrameKind kind, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data, IReplySink sink, int index, SentRequest sent)
    {
        if (Get(engineId) is { } engine)
        {
            sent.Sent(index, engine, engine.Send(kind, meta, data, sink, index));
        }
        else if (IsClosed)
        {
            sink.Failed(index, new ObjectDisposedException(Owner, $"The {Owner} was disposed before the request reached engine {engineId}."));
        }
        else
        {
            sink.Failed(index, new EngineDiedException(engineId, explainAbsent(engineId)));
        }
    }
}

/// <summary>
/// A request as <see cref="LocalEngines"/> sent it: for each target, the connection and the request id.
/// Cancelling a target sends a cancel frame (the engine drops the request or cancels its token); for a
/// call, a reply still missing after the grace period has the engines' owner restart that engine.
/// </summary>
internal sealed class SentRequest(LocalEngines engines, int targets, bool interruptible) : ISentRequest
{
    private readonly (EngineConnection Connection, ulong RequestId)?[] sent = new (EngineConnection, ulong)?[targets];
    private readonly int[] cancelled = new int[targets];

    public void Sent(int index, EngineConnection connection, ulong requestId) => sent[index] = (connection, requestId);

    public void Cancel(int index)
    {
        if (sent[index] is not var (connection, requestId) || Interlocked.Exchange(ref cancelled[index], 1) != 0 || !connection.IsPending(requestId))
        {
            return;
        }

        // Sent here, in the caller's order: the task farm cancels a chunk waiting on an engine before the one
        // running there, so the engine drops the waiting one before the running one stops and it could start.
        // The send is bounded (a busy engine's full socket), and then the grace period decides.
        connection.SendCancel(requestId);
        if (interruptible && engines.Interrupt is { } interrupt)
        {
            _ = InterruptAfterGraceAsync(connection, requestId, interrupt, engines.InterruptGrace);
        }
    }

    private static async Task InterruptAfterGraceAsync(EngineConnection connection, ulong requestId, Func<EngineConnection, Func<bool>, Task> interrupt, TimeSpan grace)
    {
        await Task.Delay(grace).ConfigureAwait(false);
        if (connection.IsPending(requestId))
        {
            await interrupt(connection, () => connection.TryFail(requestId, new EngineRestartedException(connection.EngineId, grace))).ConfigureAwait(false);
        }
    }
}
