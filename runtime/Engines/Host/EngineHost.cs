using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using MemoryPack;
using Parallax.CompilerServices;

namespace Parallax.Engines;

/// <summary>
/// The engine process: listens on its Unix socket, answers signed frames, runs one call at a time
/// (as ipyparallel's engines do), and exits when the client says so, when its stdin (a pipe the
/// client holds) reaches end of file, or when the client process is gone: no orphans, whatever way
/// the client ends.
/// </summary>
internal static class EngineHost
{
    /// <summary>The line an engine prints on stdout once its socket listens.</summary>
    public const string ReadyLine = "parallax-engine-ready";

    private static readonly Lock ExecutionGate = new();
    private static TextWriter log = TextWriter.Null;
    private static ConnectionInfo connection = null!;
    private static EngineNamespace ns = null!;
    private static int engineId;
    private static ReplySegments replySegments = null!;

    public static int Run(string[] args)
    {
        string? connectionPath = null;
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

        log = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        connection = ConnectionInfo.Read(connectionPath);
        ns = new EngineNamespace(engineId, connection.SegmentMac);
        replySegments = new ReplySegments($"{connection.ClusterId}-e{engineId}");
        EngineNamespace.Install(ns);
        BuiltinStubs.Register();

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
            new Thread(() => Serve(socket)) { IsBackground = true, Name = "parallax-engine-connection" }.Start();
        }
    }

    private static void StartWatchdog(int parentPid)
    {
        // The client holds the write end of our stdin: when it exits or is killed, the kernel closes
        // it and the read below returns 0. That covers kill -9 of the client without any polling.
        new Thread(() =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[64];
            try
            {
                while (stdin.Read(buffer) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            Exit("the client closed the engine's stdin");
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

                Exit($"the client process {parentPid} is gone");
            }) { IsBackground = true, Name = "parallax-engine-parent" }.Start();
        }
    }

    private static void Exit(string reason)
    {
        Log($"exiting: {reason}");
        replySegments.DeleteAll();

        // Environment.Exit runs ProcessExit handlers, user code among them; one that blocks must not keep an orphan alive.
        new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Log("ProcessExit handlers did not finish within 3 s; killing this engine");
            Process.GetCurrentProcess().Kill();
        }) { IsBackground = true, Name = "parallax-engine-exit-guard" }.Start();
        Environment.Exit(0);
    }

    private static void Log(string message) => log.WriteLine($"[engine {engineId}] {message}");

    private static void Serve(Socket socket)
    {
        using var channel = new FrameChannel(socket, connection.Key, isEngine: true, connection.MaxFrameBytes, connection.Polling, RandomNumberGenerator.GetBytes(FrameCodec.NonceSize));
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

                Handle(channel, frame);
            }
        }
        catch (FrameCorruptException ex)
        {
            Log($"rejected frame: {ex.Message}; closing this connection");
        }
        catch (SocketException)
        {
            // The peer went away mid-reply; the next connection is unaffected.
        }
    }

    private static void Handle(FrameChannel channel, Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Shutdown:
                Exit("the client asked it to");
                return;
            case FrameKind.Ping:
                Reply(channel, frame.RequestId, DateTime.UtcNow.Ticks, "", "", null, Payload.FromBytes(default));
                return;
            case FrameKind.Apply:
            case FrameKind.Push:
            case FrameKind.Pull:
                lock (ExecutionGate)
                {
                    Execute(channel, frame);
                }

                return;
            default:
                Log($"rejected frame: kind {frame.Kind} is not a request an engine serves");
                return;
        }
    }

    private static void Execute(FrameChannel channel, Frame frame)
    {
        var started = DateTime.UtcNow.Ticks;
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var (savedOut, savedError) = (Console.Out, Console.Error);
        SharedSegment? segment = null;
        var result = Payload.FromBytes(default);
        RemoteError? error = null;
        try
        {
            switch (frame.Kind)
            {
                case FrameKind.Apply:
                {
                    var meta = MemoryPackSerializer.Deserialize<ApplyMeta>(frame.Meta)!;
                    var arguments = frame.Data;
                    if (meta.Shared is { } shared)
                    {
                        segment = SharedSegment.Open(shared.Path);
                        segment.Verify(connection.SegmentMac, shared.Offset, shared.Length, shared.Tag);
                        arguments = segment.Memory.Slice((int)shared.Offset, (int)shared.Length);
                    }

                    AssemblyLoader.EnsureLoaded(meta.AssemblyPath);
                    if (!EngineDispatch.TryGet(meta.DispatchId, out var invoker))
                    {
                        throw new InvalidOperationException($"No dispatch stub '{meta.DispatchId}' is registered in '{meta.AssemblyPath}'. Rebuild the project with the Parallax generator enabled (warning CS9057 must not be suppressed).");
                    }

                    Console.SetOut(stdout);
                    Console.SetError(stderr);
                    result = Payload.FromBytes(invoker(arguments));
                    break;
                }

                case FrameKind.Push:
                {
                    var meta = MemoryPackSerializer.Deserialize<PushMeta>(frame.Meta)!;
                    if (meta.SharedPath is not null)
                    {
                        segment = SharedSegment.Open(meta.SharedPath);
                        var path = meta.SharedPath;
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

                    break;
                }

                case FrameKind.Pull:
                {
                    var meta = MemoryPackSerializer.Deserialize<PullMeta>(frame.Meta)!;
                    result = ns.Serialize(meta.Name, meta.ExpectedType);
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is not FrameRejectedException)
        {
            error = Describe(ex);
        }
        catch (FrameRejectedException ex)
        {
            Log($"rejected frame: {ex.Message}");
            error = new RemoteError(typeof(System.Security.SecurityException).FullName!, ex.Message, "");
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
            segment?.Release();
        }

        Reply(channel, frame.RequestId, started, Capped(stdout), Capped(stderr), error, result);
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

    /// <summary>Captured output travels in the reply's metadata, which must stay far below the frame limit.</summary>
    private static string Capped(StringWriter output)
    {
        const int limit = 1 << 20;
        var text = output.ToString();
        return text.Length <= limit ? text : $"{text[..limit]}{Environment.NewLine}[... {text.Length - limit} more characters dropped: print less, or return the data as the call's result]";
    }

    private static RemoteError Describe(Exception ex)
    {
        var stack = ex.StackTrace ?? "";
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            stack += $"{Environment.NewLine}---> {inner.GetType().FullName}: {inner.Message}{Environment.NewLine}{inner.StackTrace}";
        }

        return new RemoteError(ex.GetType().FullName ?? ex.GetType().Name, ex.Message, stack);
    }

    private static void Reply(FrameChannel channel, ulong requestId, long started, string stdout, string stderr, RemoteError? error, Payload result)
    {
        SharedSegment? segment = null;
        SharedRange? shared = null;
        ReadOnlyMemory<byte> inline = default;
        if (error is null && result.SizeBound >= connection.SharedMemoryThreshold)
        {
            // The client maps it, checks the tag, reads, and marks it free for the next result.
            segment = replySegments.Rent(result.SizeBound);
            var length = result.WriteTo(segment, 0);
            shared = new SharedRange(segment.Path, 0, length, segment.Sign(connection.SegmentMac, 0, length));
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
