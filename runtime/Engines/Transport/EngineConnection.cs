using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Parallax.Engines.Transport;

/// <summary>
/// The client's side of one engine over its Unix socket: the signed connection, the process when this
/// program started it, and the requests it has not answered. A dedicated thread reads replies and
/// completes each request's <see cref="IReplySink"/>; when the stream ends (the engine exited, was
/// killed, crashed) every pending request fails at once with <see cref="EngineDiedException"/>.
/// </summary>
internal sealed class EngineConnection : IEngineConnection
{
    private readonly ConcurrentDictionary<ulong, (IReplySink Sink, int Index)> pending = new();
    private readonly FrameChannel channel;
    private readonly Action<string> log;
    private readonly PushSegments pushSegments;
    private readonly Action? died;
    private readonly Func<string>? explainGone;
    private readonly SegmentMac mac;
    private readonly string segmentFolder;
    private long nextRequest;
    private int pendingCount;
    private int dying;
    private string? death;

    private EngineConnection(int engineId, Process? process, FrameChannel channel, Action<string> log, PushSegments pushSegments, ConnectionInfo info, Action? died, Func<string>? explainGone)
    {
        this.explainGone = explainGone;
        mac = info.SegmentMac;
        segmentFolder = info.SegmentFolder;
        EngineId = engineId;
        Process = process;
        this.channel = channel;
        this.log = log;
        this.pushSegments = pushSegments;
        this.died = died;
        new Thread(ReceiveLoop) { IsBackground = true, Name = $"parallax-client-engine-{engineId}" }.Start();
    }

    /// <summary>The request id of the ping that authenticates a new connection; real requests count from 1.</summary>
    public const ulong HandshakeRequestId = 0;

    public int EngineId { get; }

    /// <summary>Gets the engine's process when this program started it; null for an engine someone else runs.</summary>
    public Process? Process { get; }

    public bool IsAlive => Volatile.Read(ref death) is null;

    public int Pending => Volatile.Read(ref pendingCount);

    /// <summary>
    /// Connects to an engine whose socket listens, and checks that it is who it should be. Released
    /// push segments go back to <paramref name="pushSegments"/>; <paramref name="died"/> runs once
    /// when the engine is found dead. For an engine someone else runs, <paramref name="explainGone"/>
    /// says why its connection closed (the client cannot read a process's exit code it does not own).
    /// </summary>
    public static EngineConnection Connect(int engineId, Process? process, ConnectionInfo info, Action<string> log, PushSegments pushSegments, Action? died = null, Func<string>? explainGone = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(info.SocketPath(engineId)));
        var channel = new FrameChannel(socket, info.Key, isEngine: false, info.MaxFrameBytes, info.Polling);
        try
        {
            var (_, welcome) = channel.ReceiveWelcome();
            if (welcome.EngineId != engineId)
            {
                throw new InvalidOperationException($"The socket of engine {engineId} answered as engine {welcome.EngineId}; is another cluster using the folder '{info.Directory}'?");
            }

            // A signed frame at once: until a peer has sent one, the engine takes only small frames, and
            // closes the connection after a few seconds (FrameChannel.UnauthenticatedFrameLimit). Its
            // reply answers no pending request, so the receive loop drops it.
            channel.Send(FrameKind.Ping, HandshakeRequestId, default, default);
        }
        catch
        {
            channel.Dispose();
            throw;
        }

        return new EngineConnection(engineId, process, channel, log, pushSegments, info, died, explainGone);
    }

    /// <summary>Sends one request frame; its reply goes to <paramref name="sink"/> as target <paramref name="index"/>.</summary>
    /// <returns>The request's id, to cancel it.</returns>
    public ulong Send(FrameKind kind, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data, IReplySink sink, int index)
    {
        var requestId = (ulong)Interlocked.Increment(ref nextRequest);
        pending[requestId] = (sink, index);

        // Also the full fence between adding the request and reading death (Died publishes, then scans).
        Interlocked.Increment(ref pendingCount);
        if (Volatile.Read(ref death) is { } already)
        {
            FailPending(requestId, already);
            return requestId;
        }

        try
        {
            channel.Send(kind, requestId, meta, data);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Died($"sending failed: {ex.Message}");
        }
        catch (InvalidOperationException ex) when (pending.TryRemove(requestId, out _))
        {
            // Over the frame limit, nothing sent: this target fails, the connection and the other targets go on.
            Interlocked.Decrement(ref pendingCount);
            sink.Failed(index, ex);
        }

        return requestId;
    }

    /// <summary>Gets whether request <paramref name="requestId"/> is still waiting for its reply.</summary>
    public bool IsPending(ulong requestId) => pending.ContainsKey(requestId);

    /// <summary>
    /// Asks the engine to drop request <paramref name="requestId"/> if it has not started it, or to cancel
    /// its token if it runs. Best effort and bounded: an engine whose socket is full (it reads nothing
    /// while it is busy) gets no cancel, and the caller's grace period decides.
    /// </summary>
    public void SendCancel(ulong requestId)
    {
        if (!IsAlive || !IsPending(requestId))
        {
            return;
        }

        try
        {
            _ = channel.TrySend(FrameKind.Cancel, 0, MemoryPack.MemoryPackSerializer.Serialize(new CancelMeta(requestId)), default, TimeSpan.FromMilliseconds(200));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Fails request <paramref name="requestId"/> with <paramref name="exception"/> unless its reply came first.</summary>
    /// <returns><see langword="true"/> when this failed it.</returns>
    public bool TryFail(ulong requestId, Exception exception)
    {
        if (!pending.TryRemove(requestId, out var target))
        {
            return false;
        }

        Interlocked.Decrement(ref pendingCount);
        target.Sink.Failed(target.Index, exception);
        return true;
    }

    /// <summary>Asks the engine to exit (no reply), then closes the connection.</summary>
    public void Shutdown()
    {
        try
        {
            // Best effort: a send blocked behind a busy engine holds the connection; the caller closes the
            // engine's stdin as well, which needs no socket, and closing the socket below unblocks that send.
            _ = channel.TrySend(FrameKind.Shutdown, 0, default, default, TimeSpan.FromMilliseconds(200));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        Died("the cluster shut it down", expected: true);
        channel.Dispose();
    }

    /// <summary>
    /// Lets go of an engine someone else runs (a standing cluster's): closes the connection and leaves the
    /// engine serving; requests still pending fail with <paramref name="reason"/>.
    /// </summary>
    public void Disconnect(string reason)
    {
        Died(reason, expected: true);
        channel.Dispose();
    }

    private void ReceiveLoop()
    {
        string? refused = null;
        try
        {
            while (true)
            {
                Frame frame;
                try
                {
                    if (channel.Receive() is not { } received)
                    {
                        break;
                    }

                    frame = received;
                }
                catch (FrameRejectedException ex)
                {
                    // A reply that fails its check is a reply lost: the request it answered would wait forever,
                    // and every later frame would be out of sequence. The connection is done; so is the engine.
                    log($"[client] rejected a frame from engine {EngineId}: {ex.Message}; closing the connection");
                    refused = $"it sent a frame that failed its integrity check ({ex.Message})";
                    break;
                }

                if (frame.Kind == FrameKind.Reply && pending.TryRemove(frame.RequestId, out var target))
                {
                    Interlocked.Decrement(ref pendingCount);
                    Complete(frame, target.Sink, target.Index);
                }
                else if (frame.Kind == FrameKind.Released && TryRead<ReleasedMeta>(frame) is { } released)
                {
                    pushSegments.Released(EngineId, released.Path);
                }
            }
        }
        catch (FrameCorruptException ex)
        {
            log($"[client] engine {EngineId} sent a corrupt frame: {ex.Message}; closing the connection");
            refused = $"it sent a frame the client cannot read ({ex.Message})";
        }

        if (refused is not null)
        {
            // The engine may well still run, but nothing can reach it any more: end it rather than leave an orphan holding memory.
            Died($"{refused}, so the client closed the connection and ended the engine; restart it with Cluster.RestartEngineAsync");
            channel.Dispose();
            Kill();
            return;
        }

        Died(DescribeExit());
    }

    private void Kill()
    {
        try
        {
            Process?.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // It exited already.
        }
    }

    private void Complete(Frame frame, IReplySink sink, int index)
    {
        ReplyMeta meta;
        try
        {
            meta = MemoryPack.MemoryPackSerializer.Deserialize<ReplyMeta>(frame.Meta)!;
        }
        catch (Exception ex)
        {
            sink.Failed(index, new InvalidDataException($"Engine {EngineId} sent a reply the client cannot read: {ex.Message}", ex));
            return;
        }

        EngineTelemetry.ReceivedBytes.Add(frame.Data.Length + (meta.Shared?.Length ?? 0));
        var reply = new EngineReply(
            new DateTime(meta.StartedTicks, DateTimeKind.Utc),
            new DateTime(meta.CompletedTicks, DateTimeKind.Utc),
            meta.Stdout,
            meta.Stderr,
            meta.Error is { } error ? new RemoteException(EngineId, error.Type, error.Message, error.StackTrace) : null);
        if (meta.Shared is not { } shared)
        {
            sink.Answered(index, reply, frame.Data.Span);
            return;
        }

        MappedRange mapped;
        try
        {
            mapped = shared.Map(segmentFolder, mac, handBack: true);
        }
        catch (FrameRejectedException ex)
        {
            log($"[client] rejected a result of engine {EngineId}: {ex.Message}");
            sink.Failed(index, new System.Security.SecurityException($"Engine {EngineId}'s result failed its integrity check: {ex.Message}"));
            return;
        }
        catch (Exception ex)
        {
            sink.Failed(index, new InvalidDataException($"Engine {EngineId}'s result in shared memory '{shared.Path}' cannot be mapped: {ex.Message}", ex));
            return;
        }

        using (mapped)
        {
            sink.Answered(index, reply, mapped.Span);
        }
    }

    private T? TryRead<T>(Frame frame) where T : class
    {
        try
        {
            return MemoryPack.MemoryPackSerializer.Deserialize<T>(frame.Meta);
        }
        catch (Exception ex) when (ex is MemoryPack.MemoryPackSerializationException or ArgumentException)
        {
            log($"[client] engine {EngineId} sent a {frame.Kind} frame the client cannot read: {ex.Message}");
            return null;
        }
    }

    private string DescribeExit()
    {
        try
        {
            if (Process is not null && Process.WaitForExit(200))
            {
                var code = Process.ExitCode;
                return code > 128 ? $"killed by signal {code - 128}" : $"exit code {code}";
            }
        }
        catch (InvalidOperationException)
        {
        }

        return explainGone?.Invoke() ?? "its connection closed";
    }

    /// <summary>
    /// Marks the engine dead, once: the first caller reports the death (log, counter), publishes it, and
    /// fails every pending request. A later caller (a send that failed while the receive loop found the
    /// stream's end) leaves its request to the first: it was pending before the death was published, so
    /// the first caller's scan finds it, and whoever sees the engine dead sees its death reported.
    /// </summary>
    private void Died(string detail, bool expected = false)
    {
        if (Interlocked.CompareExchange(ref dying, 1, 0) != 0)
        {
            return;
        }

        if (!expected)
        {
            log($"[client] engine {EngineId} is gone: {detail}");
            EngineTelemetry.EngineDeaths.Add(1);
        }

        // A full fence: a send that adds its request after this sees the death and fails it itself.
        Interlocked.Exchange(ref death, detail);
        pushSegments.EngineGone(EngineId);
        foreach (var requestId in pending.Keys)
        {
            FailPending(requestId, detail);
        }

        died?.Invoke();
    }

    private void FailPending(ulong requestId, string detail)
    {
        if (pending.TryRemove(requestId, out var target))
        {
            Interlocked.Decrement(ref pendingCount);
            target.Sink.Failed(target.Index, new EngineDiedException(EngineId, detail));
        }
    }
}
