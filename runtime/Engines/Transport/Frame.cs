using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Parallax.Engines.Transport;

/// <summary>One received, authenticated frame.</summary>
internal readonly record struct Frame(FrameKind Kind, ulong RequestId, byte[] Body, int MetaOffset, int MetaLength, int DataOffset, int DataLength)
{
    public ReadOnlySpan<byte> Meta => Body.AsSpan(MetaOffset, MetaLength);

    public ReadOnlyMemory<byte> Data => Body.AsMemory(DataOffset, DataLength);
}

/// <summary>A frame that arrived intact but must not be acted on (bad signature, replay); the stream stays usable.</summary>
internal sealed class FrameRejectedException(string reason) : Exception(reason);

/// <summary>A frame whose framing is broken (truncated, oversized); the stream cannot be trusted any more.</summary>
internal sealed class FrameCorruptException(string reason) : Exception(reason);

/// <summary>
/// The wire format: <c>u32 length | mac[32] | u64 sequence | u8 kind | u64 request | u32 metaLength | meta | data</c>,
/// little endian, where length counts every byte after itself. The MAC is HMAC-SHA256 with the
/// cluster key over <c>nonce[16] | direction | length | everything after the MAC</c>: the whole
/// frame, header and payload. The connection nonce (chosen by the engine per connection) stops a
/// frame recorded on one connection from being accepted on another, the direction byte stops a
/// frame being reflected back to its sender, and the sequence number (one per direction, starting
/// at zero) stops replays within a connection.
/// </summary>
internal static class FrameCodec
{
    public const int MacSize = 32;
    public const int NonceSize = 16;

    /// <summary>Bytes after the length prefix that every frame has: MAC, sequence, kind, request id, meta length.</summary>
    public const int FixedBodySize = MacSize + 8 + 1 + 8 + 4;

    public const int HeaderSize = 4 + FixedBodySize;

    public const byte ClientToEngine = 1;
    public const byte EngineToClient = 2;

    public static byte[] Encode(byte[] key, ReadOnlySpan<byte> nonce, byte direction, ulong sequence, FrameKind kind, ulong requestId, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        return Encode(hmac, nonce, direction, sequence, kind, requestId, meta, data);
    }

    /// <summary>As <see cref="Encode(byte[], ReadOnlySpan{byte}, byte, ulong, FrameKind, ulong, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> with a keyed HMAC the caller reuses across frames.</summary>
    public static byte[] Encode(IncrementalHash hmac, ReadOnlySpan<byte> nonce, byte direction, ulong sequence, FrameKind kind, ulong requestId, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data)
    {
        var frame = new byte[HeaderSize + meta.Length + data.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(frame.Length - 4));
        var after = frame.AsSpan(4 + MacSize);
        BinaryPrimitives.WriteUInt64LittleEndian(after, sequence);
        after[8] = (byte)kind;
        BinaryPrimitives.WriteUInt64LittleEndian(after[9..], requestId);
        BinaryPrimitives.WriteInt32LittleEndian(after[17..], meta.Length);
        meta.CopyTo(after[21..]);
        data.CopyTo(after[(21 + meta.Length)..]);
        ComputeMac(hmac, nonce, direction, frame.AsSpan(0, 4), after, frame.AsSpan(4, MacSize));
        return frame;
    }

    /// <summary>Computes a frame's MAC; <paramref name="hmac"/> is keyed and left reset for the next frame.</summary>
    public static void ComputeMac(IncrementalHash hmac, ReadOnlySpan<byte> nonce, byte direction, ReadOnlySpan<byte> lengthPrefix, ReadOnlySpan<byte> afterMac, Span<byte> mac)
    {
        hmac.AppendData(nonce);
        hmac.AppendData([direction]);
        hmac.AppendData(lengthPrefix);
        hmac.AppendData(afterMac);
        if (!hmac.TryGetHashAndReset(mac, out _))
        {
            throw new CryptographicException("HMAC-SHA256 did not produce 32 bytes.");
        }
    }
}

/// <summary>
/// One end of a connection between the client and an engine: sends signed frames, receives and
/// checks them. Sends may come from any thread; receives from one thread at a time.
/// </summary>
internal sealed class FrameChannel : IDisposable
{
    /// <summary>
    /// The largest frame taken from a peer that has not yet sent one correctly signed frame. The reader
    /// allocates a frame's body before it can check the MAC over it: without this bound, peers without
    /// the key could make an engine allocate the declared MaxFrameBytes (64 MiB) each. The client's first
    /// frame is a bare ping (<see cref="EngineConnection.HandshakeRequestId"/>).
    /// </summary>
    public const int UnauthenticatedFrameLimit = 64 << 10;

    private readonly Socket socket;

    // Keyed once per connection and reset by every use: keying HMAC-SHA256 costs two compressions per frame otherwise.
    private readonly IncrementalHash sendMac;
    private readonly IncrementalHash receiveMac;
    private readonly byte sendDirection;
    private readonly byte receiveDirection;
    private readonly int maxFrameBytes;
    private readonly long pollTicks;
    private readonly Lock sendGate = new();
    private readonly byte[] lengthBuffer = new byte[4];
    private byte[] nonce;
    private ulong sendSequence;
    private ulong receiveSequence;
    private volatile bool authenticated;

    /// <param name="socket">The connected socket.</param>
    /// <param name="key">The cluster key.</param>
    /// <param name="isEngine">Which end this is: it fixes the direction byte of each MAC.</param>
    /// <param name="maxFrameBytes">The largest frame accepted.</param>
    /// <param name="polling">How long to poll for the next frame before a read blocks.</param>
    /// <param name="nonce">The engine's connection nonce; the client learns it from the welcome.</param>
    public FrameChannel(Socket socket, byte[] key, bool isEngine, int maxFrameBytes, TimeSpan polling = default, byte[]? nonce = null)
    {
        this.socket = socket;
        pollTicks = (long)(polling.TotalSeconds * Stopwatch.Frequency);
        sendMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        receiveMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        this.maxFrameBytes = maxFrameBytes;
        this.nonce = nonce ?? new byte[FrameCodec.NonceSize];
        sendDirection = isEngine ? FrameCodec.EngineToClient : FrameCodec.ClientToEngine;
        receiveDirection = isEngine ? FrameCodec.ClientToEngine : FrameCodec.EngineToClient;
    }

    public Socket Socket => socket;

    public ReadOnlySpan<byte> Nonce => nonce;

    /// <summary>Gets whether the peer has sent at least one correctly signed frame: it holds the key.</summary>
    public bool IsAuthenticated => authenticated;

    /// <summary>Signs and sends one frame; returns the sequence number it carried.</summary>
    /// <exception cref="InvalidOperationException">The frame would be over the limit the peer accepts; nothing was sent.</exception>
    public ulong Send(FrameKind kind, ulong requestId, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data)
    {
        // Checked here, before a sequence number is spent: the peer would close the connection on a frame
        // over its limit, and a skipped number would make it refuse every later frame.
        var length = (long)FrameCodec.FixedBodySize + meta.Length + data.Length;
        if (length > maxFrameBytes)
        {
            throw new InvalidOperationException($"A {kind} frame of {length} bytes is over the {maxFrameBytes}-byte limit (ClusterOptions.MaxFrameBytes); large data travels through shared memory.");
        }

        lock (sendGate)
        {
            var sequence = sendSequence++;
            var frame = FrameCodec.Encode(sendMac, nonce, sendDirection, sequence, kind, requestId, meta, data);
            SendRaw(frame);
            return sequence;
        }
    }

    /// <summary>
    /// Sends one frame unless another send holds the connection for longer than <paramref name="wait"/>
    /// (a send blocks while a busy engine leaves its socket buffer full); false when it gave up.
    /// </summary>
    public bool TrySend(FrameKind kind, ulong requestId, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data, TimeSpan wait)
    {
        if (!sendGate.TryEnter(wait))
        {
            return false;
        }

        try
        {
            Send(kind, requestId, meta, data);
            return true;
        }
        finally
        {
            sendGate.Exit();
        }
    }

    /// <summary>Writes bytes as they are (tests use it to send frames that must be rejected).</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes)
    {
        lock (sendGate)
        {
            while (!bytes.IsEmpty)
            {
                var sent = socket.Send(bytes);
                bytes = bytes[sent..];
            }
        }
    }

    /// <summary>
    /// Reads the first frame of a connection on the client side: the engine's <see cref="FrameKind.Welcome"/>,
    /// whose meta carries the nonce every later frame is signed with.
    /// </summary>
    public (Frame Frame, WelcomeMeta Welcome) ReceiveWelcome()
    {
        var (body, length) = ReadBody() ?? throw new EndOfStreamException("The engine closed the connection before it said who it is.");
        var frame = Parse(body, length);
        if (frame.Kind != FrameKind.Welcome)
        {
            throw new FrameRejectedException($"expected a welcome frame, got {frame.Kind}");
        }

        var welcome = MemoryPack.MemoryPackSerializer.Deserialize<WelcomeMeta>(frame.Meta)
            ?? throw new FrameRejectedException("empty welcome");
        if (welcome.Nonce is not { Length: FrameCodec.NonceSize })
        {
            throw new FrameRejectedException("welcome without a 16-byte nonce");
        }

        nonce = welcome.Nonce;
        Authenticate(body, length);
        return (frame, welcome);
    }

    /// <summary>
    /// Reads the next frame. Returns <see langword="null"/> at a clean end of stream; throws
    /// <see cref="FrameRejectedException"/> for a frame to drop (the stream stays usable) and
    /// <see cref="FrameCorruptException"/> when the stream must be closed.
    /// </summary>
    public Frame? Receive()
    {
        if (ReadBody() is not var (body, length))
        {
            return null;
        }

        var frame = Parse(body, length);
        Authenticate(body, length);
        return frame;
    }

    private (byte[] Body, uint Length)? ReadBody()
    {
        PollForData();
        if (!ReadExactly(lengthBuffer, allowCleanEnd: true))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(lengthBuffer);
        if (length < FrameCodec.FixedBodySize)
        {
            throw new FrameCorruptException($"truncated frame: {length} bytes is shorter than the {FrameCodec.FixedBodySize}-byte header");
        }

        if (length > maxFrameBytes)
        {
            throw new FrameCorruptException($"oversized frame: {length} bytes is above the {maxFrameBytes}-byte limit (large data travels through shared memory)");
        }

        if (!authenticated && length > UnauthenticatedFrameLimit)
        {
            throw new FrameCorruptException($"oversized frame: {length} bytes from a peer that has not authenticated yet, above the {UnauthenticatedFrameLimit}-byte limit before its first signed frame");
        }

        var body = new byte[length];
        if (!ReadExactly(body, allowCleanEnd: false))
        {
            throw new FrameCorruptException("truncated frame: the stream ended inside it");
        }

        return (body, length);
    }

    /// <summary>
    /// Polls (yielding the core to anything runnable) until data arrives or the polling time is up.
    /// A thread that blocks at once pays a wake-up for the next frame; with several engines and the
    /// client's threads on two cores those wake-ups were most of a round trip.
    /// </summary>
    private void PollForData()
    {
        if (pollTicks == 0)
        {
            return;
        }

        var start = Stopwatch.GetTimestamp();
        try
        {
            while (socket.Available == 0 && Stopwatch.GetTimestamp() - start < pollTicks)
            {
                Thread.Yield();
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The blocking read that follows reports the end of the connection.
        }
    }

    private static Frame Parse(byte[] body, uint length)
    {
        var after = body.AsSpan(FrameCodec.MacSize);
        var kind = (FrameKind)after[8];
        var requestId = BinaryPrimitives.ReadUInt64LittleEndian(after[9..]);
        var metaLength = BinaryPrimitives.ReadInt32LittleEndian(after[17..]);
        var metaOffset = FrameCodec.FixedBodySize;
        if (metaLength < 0 || metaLength > length - metaOffset)
        {
            throw new FrameRejectedException($"truncated frame: its metadata claims {metaLength} bytes but only {length - metaOffset} follow");
        }

        return new Frame(kind, requestId, body, metaOffset, metaLength, metaOffset + metaLength, (int)length - metaOffset - metaLength);
    }

    private void Authenticate(byte[] body, uint length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, length);
        Span<byte> expected = stackalloc byte[FrameCodec.MacSize];
        FrameCodec.ComputeMac(receiveMac, nonce, receiveDirection, prefix, body.AsSpan(FrameCodec.MacSize), expected);
        var actual = body.AsSpan(0, FrameCodec.MacSize);
        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            throw new FrameRejectedException(actual.IndexOfAnyExcept((byte)0) < 0 ? "unsigned frame" : "mis-signed frame (HMAC-SHA256 does not match)");
        }

        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(body.AsSpan(FrameCodec.MacSize));
        if (sequence != receiveSequence)
        {
            throw new FrameRejectedException($"replayed or out-of-order frame: sequence {sequence}, expected {receiveSequence}");
        }

        receiveSequence++;
        authenticated = true;
    }

    private bool ReadExactly(Span<byte> buffer, bool allowCleanEnd)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = socket.Receive(buffer[read..]);
            }
            catch (SocketException)
            {
                n = 0;
            }
            catch (ObjectDisposedException)
            {
                n = 0;
            }

            if (n == 0)
            {
                if (read == 0 && allowCleanEnd)
                {
                    return false;
                }

                return false;
            }

            read += n;
        }

        return true;
    }

    public void Dispose()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        socket.Dispose();
        lock (sendGate)
        {
            sendMac.Dispose();
        }
    }
}
