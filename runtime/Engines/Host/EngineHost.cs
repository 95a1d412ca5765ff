using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// The engine process: listens on its Unix socket, answers signed frames, runs one request at a time
/// (as ipyparallel's engines do) on a worker while each connection's thread keeps reading (so a cancel
/// arrives while a call runs: <see cref="CallQueue"/>), and exits when the client says so, when its stdin (a pipe the
/// client holds) reaches end of file, or when the client process is gone: no orphans, whatever way
/// the client ends. One instance per process; what it serves with (the connection settings, the
/// namespace, the reply segments) are its fields.
/// </summary>
internal sealed class EngineHost
{
    /// <summary>The line an engine prints on stdout once its socket listens.</summary>
    public const string ReadyLine = "parallax-engine-ready";

    /// <summary>
    /// Connections that have not sent a signed frame yet, at most: each holds a thread and a frame buffer
    /// (<see cref="FrameChannel.UnauthenticatedFrameLimit"/>), and the client needs one. More are closed at once.
    /// </summary>
    internal const int MaxUnauthenticatedConnections = 8;

    /// <summary>What the client writes on an engine's stdin before it closes it to stop the engine; end of file without it means the client died.</summary>
    public const byte StopByte = (byte)'q';

    /// <summary>How long a new connection has to send its first signed frame before the engine closes it.</summary>
    internal static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly CallQueue calls;
    private readonly TextWriter log;
    private readonly ConnectionInfo connection;
    private readonly int engineId;
    private readonly EngineExecutor executor;
    private readonly EngineNamespace ns;
    private readonly ReplySegments replySegments;
    private readonly Placement placement;
    private int unauthenticated;

    private EngineHost(ConnectionInfo connection, int engineId, TextWriter log)
    {
        this.connection = connection;
        this.engineId = engineId;
        this.log = log;
        replySegments = new ReplySegments(connection.SegmentFolder, engineId);
        executor = EngineExecutor.Install(engineId, connection.SegmentMac, TextLimitFor(connection), replySegments, connection.SharedMemoryThreshold);
        ns = executor.Namespace;
        placement = new Placement(connection.SharedMemoryThreshold, connection.SegmentMac);
        calls = new CallQueue(Execute, ReplyCancelled, connection.MaxFrameBytes, connection.Polling);
    }

    public static int Run(string[] args)
    {
        string? connectionPath = null;
        var engineId = 0;
        var parentPid = 0;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--connection": connectionPath = args[i + 1]; break;
                case "--id": engineId = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--parent": parentPid = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
            }
        }

        if (connectionPath is null)
        {
            Console.Error.WriteLine("usage: Parallax.Engine --connection <file> --id <engine id> [--parent <client pid>]");
            return 2;
        }

        OwnSession.Enter();
        var log = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        var host = new EngineHost(ConnectionInfo.Read(connectionPath), engineId, log);
        return host.Listen(parentPid);
    }

    private int Listen(int parentPid)
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var socketPath = connection.SocketPath(engineId);
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        OwnerOnly.Restrict(socketPath);
        listener.Listen(8);

        StartWatchdog(parentPid);
        stdout.WriteLine(ReadyLine);

        while (true)
        {
            var socket = listener.Accept();
            if (Interlocked.Increment(ref unauthenticated) > MaxUnauthenticatedConnections)
            {
                Interlocked.Decrement(ref unauthenticated);
                Log($"refused a connection: {MaxUnauthenticatedConnections} others have not authenticated yet");
                socket.Dispose();
                continue;
            }

            new Thread(() => Serve(socket)) { IsBackground = true, Name = "parallax-engine-connection" }.Start();
        }
    }

    private void StartWatchdog(int parentPid)
    {
        // The client holds the write end of our stdin: when it exits or is killed, the kernel closes
        // it and the read below returns 0. That covers kill -9 of the client without any polling.
        // A client that stops the engine writes StopByte first; one that was killed cannot, and then
        // nothing else will remove its files: the engines do, as they go.
        new Thread(() =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[64];
            var stopped = false;
            try
            {
                int n;
                while ((n = stdin.Read(buffer)) > 0)
                {
                    stopped |= buffer.AsSpan(0, n).Contains(StopByte);
                }
            }
            catch (IOException)
            {
            }

            if (stopped)
            {
                Exit("the client closed the engine's stdin");
            }
            else
            {
                Exit("the client closed the engine's stdin without a stop: it died", clientGone: true);
            }
        }) { IsBackground = true, Name = "parallax-engine-stdin" }.Start();

        // Belt and braces for a client that handed its stdin pipe to another process.
        if (parentPid > 0 && Directory.Exists("/proc/self"))
        {
            new Thread(() =>
            {
                while (Directory.Exists($"/proc/{parentPid}"))
                {
                    Thread.Sleep(250);
                }

                Exit($"the client process {parentPid} is gone", clientGone: true);
            }) { IsBackground = true, Name = "parallax-engine-parent" }.Start();
        }
    }

    private void Exit(string reason, bool clientGone = false)
    {
        Log($"exiting: {reason}");
        replySegments.DeleteAll();
        if (clientGone)
        {
            // The client's pushed segments and its socket folder (the key among it) would stay otherwise.
            // Every engine of the cluster does this as it exits; whichever comes first removes them.
            SharedSegment.TryDeleteFolder(connection.SegmentFolder);
            SharedSegment.TryDeleteFolder(connection.Directory);
        }

        // Environment.Exit runs ProcessExit handlers, user code among them; one that blocks must not keep an orphan alive.
        new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Log("ProcessExit handlers did not finish within 3 s; killing this engine");
            Process.GetCurrentProcess().Kill();
        }) { IsBackground = true, Name = "parallax-engine-exit-guard" }.Start();
        Environment.Exit(0);
    }

    private void Log(string message) => log.WriteLine($"[engine {engineId}] {message}");

    private void Serve(Socket socket)
    {
        using var channel = new FrameChannel(socket, connection.Key, isEngine: true, connection.MaxFrameBytes, connection.Polling, RandomNumberGenerator.GetBytes(FrameCodec.NonceSize));
        var counted = true;
        void Authenticated()
        {
            if (counted)
            {
                counted = false;
                Interlocked.Decrement(ref unauthenticated);
            }
        }

        // A peer that has not signed a frame by then is closed: disposing the socket ends the read it waits in.
        using var deadline = new Timer(_ =>
        {
            if (!channel.IsAuthenticated)
            {
                Log($"closed a connection that sent no signed frame within {HandshakeTimeout.TotalSeconds} s");
                channel.Dispose();
            }
        }, null, HandshakeTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            channel.Send(FrameKind.Welcome, 0, MemoryPackSerializer.Serialize(new WelcomeMeta(engineId, Environment.ProcessId, channel.Nonce.ToArray())), default);
            while (true)
            {
                Frame frame;
                try
                {
                    if (channel.Receive() is not { } received)
                    {
                        return;
                    }

                    frame = received;
                }
                catch (FrameRejectedException ex)
                {
                    Log($"rejected frame: {ex.Message}");
                    continue;
                }

                Authenticated();
                Handle(channel, frame);
            }
        }
        catch (FrameCorruptException ex)
        {
            Log($"rejected frame: {ex.Message}; closing this connection");
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer went away mid-reply, or the handshake deadline closed it; the next connection is unaffected.
        }
        finally
        {
            Authenticated();
            calls.Forget(channel);

            // Results this peer never handed back (it was killed, or disposed mid-pull) must not stay pinned.
            replySegments.Abandon(channel);
        }
    }

    private void Handle(FrameChannel channel, Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Shutdown:
                Exit("the client asked it to");
                return;
            case FrameKind.Ping:
                Reply(channel, frame.RequestId, DateTime.UtcNow.Ticks, "", "", null, Payload.FromBytes(default));
                return;
            case var kind when Runs(kind):
                calls.Enqueue(channel, frame);
                return;
            case FrameKind.Cancel:
                if (TryRead<CancelMeta>(frame) is { } cancel)
                {
                    calls.Cancel(channel, cancel.RequestId);
                }

                return;
            default:
                Log($"rejected frame: kind {frame.Kind} is not a request an engine serves");
                return;
        }
    }

    /// <summary>Answers a request the client cancelled before it started: it never ran.</summary>
    private void ReplyCancelled(FrameChannel channel, ulong requestId)
    {
        var error = new RemoteError(typeof(OperationCanceledException).FullName!, $"The call was cancelled before it started on engine {engineId}.", "");
        try
        {
            Reply(channel, requestId, DateTime.UtcNow.Ticks, "", "", error, Payload.FromBytes(default));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The client is gone; it fails its calls itself.
        }
    }

    private T? TryRead<T>(Frame frame) where T : class
    {
        try
        {
            return MemoryPackSerializer.Deserialize<T>(frame.Meta);
        }
        catch (Exception ex) when (ex is MemoryPackSerializationException or ArgumentException)
        {
            Log($"rejected frame: its {frame.Kind} metadata cannot be read ({ex.Message})");
            return null;
        }
    }

    /// <summary>The requests an engine runs one at a time, with the console captured. A new request kind is a member here, a case in <see cref="RunRequest"/> and its method below.</summary>
    private static bool Runs(FrameKind kind) => kind is FrameKind.Apply or FrameKind.Push or FrameKind.Pull or FrameKind.Execute;

    private Payload RunRequest(FrameChannel channel, Frame frame, CapturedOutput output) => frame.Kind switch
    {
        FrameKind.Apply => Apply(frame, output),
        FrameKind.Push => Push(channel, frame),
        FrameKind.Pull => Pull(frame),
        FrameKind.Execute => RunCode(frame, output),
        _ => throw new UnreachableException($"{frame.Kind} is not among the kinds Runs lists."),
    };

    private void Execute(FrameChannel channel, Frame frame)
    {
        var done = executor.Run(output => RunRequest(channel, frame, output), rejected => Log($"rejected frame: {rejected}"));
        Reply(channel, frame.RequestId, done.StartedTicks, done.Stdout, done.Stderr, done.Error, done.Result);
    }

    /// <summary>Runs a dispatched call on its arguments, inline or mapped where the client wrote them.</summary>
    private Payload Apply(Frame frame, CapturedOutput output)
    {
        var meta = MemoryPackSerializer.Deserialize<ApplyMeta>(frame.Meta)!;
        using var mapped = meta.Shared?.Map(connection.SegmentFolder, connection.SegmentMac, handBack: false);
        return EngineExecutor.Apply(meta.DispatchId, meta.AssemblyPath, meta.AssemblyMvid, mapped?.Memory ?? frame.Data, output);
    }

    /// <summary>Stores pushed values. Values in shared memory stay there, checked against their tags on first use; the client hears when this engine no longer maps the segment.</summary>
    private Payload Push(FrameChannel channel, Frame frame)
    {
        var meta = MemoryPackSerializer.Deserialize<PushMeta>(frame.Meta)!;
        SharedSegment? segment = null;
        try
        {
            if (meta.SharedPath is { } path)
            {
                segment = SharedSegment.Open(connection.SegmentFolder, path);
                segment.Closed = () => SendReleased(channel, path);
            }

            for (var i = 0; i < meta.Names.Length; i++)
            {
                if (segment is not null)
                {
                    // Range checked now; content checked against its tag on first use.
                    _ = segment.Slice(meta.Offsets[i], meta.Lengths[i]);
                    var tag = meta.Tags?[i] is { Length: SegmentMac.TagSize } t ? t : throw new FrameRejectedException($"push of '{meta.Names[i]}' through shared memory carries no tag");
                    ns.SetSerialized(meta.Names[i], meta.TypeNames[i], segment.Memory.Slice((int)meta.Offsets[i], (int)meta.Lengths[i]), segment, tag);
                }
                else
                {
                    ns.SetSerialized(meta.Names[i], meta.TypeNames[i], frame.Data.Slice((int)meta.Offsets[i], (int)meta.Lengths[i]).ToArray(), null, null);
                }
            }
        }
        finally
        {
            segment?.Release();
        }

        return Payload.FromBytes(default);
    }

    private Payload Pull(Frame frame)
    {
        var meta = MemoryPackSerializer.Deserialize<PullMeta>(frame.Meta)!;
        return executor.Pull(meta.Name, meta.ExpectedType);
    }

    /// <summary>Compiles a C# code string against the namespace (or finds it compiled) and runs it, unless the request only compiles it.</summary>
    private Payload RunCode(Frame frame, CapturedOutput output)
    {
        return executor.RunCode(MemoryPackSerializer.Deserialize<ExecuteMeta>(frame.Meta)!, output);
    }

    /// <summary>Lets the client reuse a pushed segment (PushSegments): this engine read or replaced every value in it.</summary>
    private static void SendReleased(FrameChannel channel, string path)
    {
        try
        {
            channel.Send(FrameKind.Released, 0, MemoryPackSerializer.Serialize(new ReleasedMeta(path)), default);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The client is gone or reconnecting; it treats a dead connection as a release.
        }
    }

    /// <summary>
    /// Text that travels in a reply's metadata (captured output, an exception's message and stack) is cut
    /// to this many characters each: four such texts at up to three UTF-8 bytes a character, next to
    /// inline data under half the limit, keep a reply below MaxFrameBytes, which the client would
    /// refuse, and take the engine for dead, over.
    /// </summary>
    private static int TextLimitFor(ConnectionInfo connection) => Math.Min(1 << 20, connection.MaxFrameBytes / 32);

    /// <summary>
    /// Sends the reply. Writing a large result can fail (no room in /dev/shm, a value too large for a
    /// segment) and so can an oversized frame: the call then fails with that exception, never the engine.
    /// </summary>
    private void Reply(FrameChannel channel, ulong requestId, long started, string stdout, string stderr, RemoteError? error, Payload result)
    {
        try
        {
            SendReply(channel, requestId, started, stdout, stderr, error, result);
        }
        catch (Exception ex) when (ex is not (SocketException or ObjectDisposedException))
        {
            Log($"could not send the reply to request {requestId}: {ex.GetType().Name}: {ex.Message}");
            SendReply(channel, requestId, started, stdout, stderr, executor.Describe(ex), Payload.FromBytes(default));
        }
    }

    private void SendReply(FrameChannel channel, ulong requestId, long started, string stdout, string stderr, RemoteError? error, Payload result)
    {
        SharedSegment? segment = null;
        SharedRange? shared = null;
        ReadOnlyMemory<byte> inline = default;
        if (error is null && result.Segment is { } lying && placement.IsShared(result.SizeBound) && replySegments.TryHandOut(lying, channel))
        {
            // A matrix engine code wrote into shared memory: the client maps it where it lies.
            shared = placement.Describe(lying, result.Bytes);
        }
        else if (error is null && placement.IsShared(result.SizeBound))
        {
            // The client maps it, checks the tag, reads, and marks it free for the next result.
            segment = replySegments.Rent(result.SizeBound, channel);
            shared = placement.Write(segment, [result])[0];
        }
        else if (error is null)
        {
            inline = result.ToBytes();
        }

        try
        {
            var meta = new ReplyMeta(started, DateTime.UtcNow.Ticks, stdout, stderr, error, shared);
            channel.Send(FrameKind.Reply, requestId, MemoryPackSerializer.Serialize(meta), inline.Span);
        }
        finally
        {
            segment?.Release();
        }
    }
}
