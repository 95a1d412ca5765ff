using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace Parallax.Engines;

/// <summary>
/// The client's side of one engine: its process, its signed connection, and the requests it has not
/// answered. A dedicated thread reads replies; when the stream ends (the engine exited, was killed,
/// crashed) every pending request fails at once with <see cref="EngineDiedException"/>.
/// </summary>
internal sealed class EngineConnection
{
    private readonly ConcurrentDictionary<ulong, (AsyncResult Result, int Index)> pending = new();
    private readonly FrameChannel channel;
    private readonly Action<string> log;
    private readonly PushSegments pushSegments;
    private readonly SegmentMac mac;
    private long nextRequest;
    private string? death;

    private EngineConnection(int engineId, Process process, FrameChannel channel, Action<string> log, PushSegments pushSegments, SegmentMac mac)
    {
        this.mac = mac;
        EngineId = engineId;
        Process = process;
        this.channel = channel;
        this.log = log;
        this.pushSegments = pushSegments;
        new Thread(ReceiveLoop) { IsBackground = true, Name = $"parallax-client-engine-{engineId}" }.Start();
    }

    public int EngineId { get; }

    public Process Process { get; }

    public bool IsAlive => Volatile.Read(ref death) is null;

    /// <summary>Connects to an engine whose socket listens, and checks that it is who it should be.</summary>
    public static EngineConnection Connect(int engineId, Process process, ConnectionInfo info, Action<string> log, PushSegments pushSegments)
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
        }
        catch
        {
            channel.Dispose();
            throw;
        }

        return new EngineConnection(engineId, process, channel, log, pushSegments, info.SegmentMac);
    }

    /// <summary>Sends one request; its reply goes to <paramref name="result"/> as target <paramref name="index"/>.</summary>
    public void Send(FrameKind kind, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data, AsyncResult result, int index)
    {
        var requestId = (ulong)Interlocked.Increment(ref nextRequest);
        pending[requestId] = (result, index);
        if (Volatile.Read(ref death) is { } already)
        {
            FailPending(requestId, already);
            return;
        }

        try
        {
            channel.Send(kind, requestId, meta, data);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Died($"sending failed: {ex.Message}");
        }
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

    private void ReceiveLoop()
    {
        string? rejected = null;
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
                    rejected = ex.Message;
                    break;
                }

                if (frame.Kind == FrameKind.Reply && pending.TryRemove(frame.RequestId, out var target))
                {
                    Complete(frame, target.Result, target.Index);
                }
                else if (frame.Kind == FrameKind.Released && TryRead<ReleasedMeta>(frame) is { } released)
                {
                    pushSegments.Released(EngineId, released.Path);
                }
            }
        }
        catch (FrameCorruptException ex)
        {
            log($"[client] engine {EngineId} sent a corrupt frame: {ex.Message}");
        }

        if (rejected is not null)
        {
            Died($"it sent a frame that failed its integrity check ({rejected}), so the client closed the connection; restart the engine with Cluster.RestartEngineAsync");
            channel.Dispose();
            return;
        }

        Died(DescribeExit());
    }

    private void Complete(Frame frame, AsyncResult result, int index)
    {
        ReplyMeta meta;
        try
        {
            meta = MemoryPack.MemoryPackSerializer.Deserialize<ReplyMeta>(frame.Meta)!;
        }
        catch (Exception ex)
        {
            result.Fail(index, new InvalidDataException($"Engine {EngineId} sent a reply the client cannot read: {ex.Message}", ex));
            return;
        }

        EngineTelemetry.ReceivedBytes.Add(frame.Data.Length + (meta.Shared?.Length ?? 0));
        if (meta.Shared is not { } shared)
        {
            result.Deliver(index, meta, frame.Data.Span);
            return;
        }

        SharedSegment segment;
        try
        {
            segment = SharedSegment.Open(shared.Path);
        }
        catch (Exception ex)
        {
            result.Fail(index, new InvalidDataException($"Engine {EngineId}'s result in shared memory '{shared.Path}' cannot be mapped: {ex.Message}", ex));
            return;
        }

        try
        {
            segment.Verify(mac, shared.Offset, shared.Length, shared.Tag);
            result.Deliver(index, meta, segment.Slice(shared.Offset, shared.Length));
        }
        catch (FrameRejectedException ex)
        {
            log($"[client] rejected a result of engine {EngineId}: {ex.Message}");
            result.Fail(index, new System.Security.SecurityException($"Engine {EngineId}'s result failed its integrity check: {ex.Message}"));
        }
        finally
        {
            // Read (or refused): the engine may write its next result into these pages (ReplySegments).
            segment.MarkFree();
            segment.Release();
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
            if (Process.WaitForExit(200))
            {
                var code = Process.ExitCode;
                return code > 128 ? $"killed by signal {code - 128}" : $"exit code {code}";
            }
        }
        catch (InvalidOperationException)
        {
        }

        return "its connection closed";
    }

    private void Died(string detail, bool expected = false)
    {
        if (Interlocked.CompareExchange(ref death, detail, null) is null && !expected)
        {
            log($"[client] engine {EngineId} is gone: {detail}");
            EngineTelemetry.EngineDeaths.Add(1);
        }

        pushSegments.EngineGone(EngineId);
        foreach (var requestId in pending.Keys)
        {
            FailPending(requestId, death!);
        }
    }

    private void FailPending(ulong requestId, string detail)
    {
        if (pending.TryRemove(requestId, out var target))
        {
            target.Result.Fail(target.Index, new EngineDiedException(EngineId, detail));
        }
    }
}
