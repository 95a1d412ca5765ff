using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;

namespace Parallax.Engines.Silos;

/// <summary>
/// A data-port connection after its TLS handshake: records of up to <see cref="RecordBytes"/> sealed
/// with AES-256-GCM straight on the socket, under a key the client drew for this connection alone and
/// sent inside the mutually authenticated TLS session. SslStream writes and reads 16 KiB records, each
/// a system call and a copy through its own buffer on top of the cipher's pass, which made TLS 3.8x
/// slower than plain TCP on this machine (docs/engines.md); a large record costs one cipher pass and
/// one system call per megabyte, and a record at least as long as the reader's buffer is read straight
/// into it and opened in place, so an upload lands in the engine's buffer with no copy of its own.
/// </summary>
/// <remarks>
/// What it keeps: only the two ends of the TLS session know the key (TLS 1.3, ECDHE, both certificates
/// pinned to the cluster's), so a record that verifies was written by the other end. The nonce is the
/// direction (4 bytes) and the record's number in it (8 bytes), never sent: a record dropped, repeated,
/// reordered or moved to the other direction fails its tag, as does any changed byte of its length,
/// tag or ciphertext; the first failure closes the stream (<see cref="IOException"/>), and whatever it
/// was reading is refused. A fresh key per connection means a nonce is never used twice under one key.
/// On the wire, per record: length (4, little-endian, also the associated data), tag (16), ciphertext.
/// </remarks>
internal sealed class SealedStream : Stream
{
    /// <summary>The most plaintext one record carries: a system call and a cipher pass per megabyte.</summary>
    public const int RecordBytes = 1 << 20;

    private const int KeyBytes = 32;
    private const int TagBytes = 16;
    private const int HeaderBytes = 4 + TagBytes;
    private const byte Ready = 1;

    private readonly Stream tls;
    private readonly Stream socket;
    private readonly AesGcm aes;
    private readonly byte[] sendNonce = new byte[12];
    private readonly byte[] receiveNonce = new byte[12];
    private readonly byte[] header = new byte[HeaderBytes];
    private byte[]? sealing;
    private byte[]? opened;
    private int openedAt;
    private int openedEnd;
    private ulong sent;
    private ulong received;
    private bool broken;

    private SealedStream(Stream tls, Stream socket, byte[] key, bool isClient)
    {
        this.tls = tls;
        this.socket = socket;
        aes = new AesGcm(key, TagBytes);
        CryptographicOperations.ZeroMemory(key);
        sendNonce[0] = isClient ? (byte)0 : (byte)1;
        receiveNonce[0] = isClient ? (byte)1 : (byte)0;
    }

    /// <summary>
    /// The client's side, on a connection whose TLS handshake has completed: draws a key, sends it inside
    /// TLS, waits for the silo to take it, then seals everything else. Nothing else crosses TLS on this
    /// connection, so neither SslStream holds bytes that belong to the records.
    /// </summary>
    /// <param name="tls">The authenticated TLS stream; owned from now on (disposed with the returned stream, never written again).</param>
    /// <param name="socket">The socket's stream under <paramref name="tls"/>.</param>
    /// <param name="cancellationToken">Stops the exchange.</param>
    public static async Task<SealedStream> AsClientAsync(SslStream tls, Stream socket, CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        try
        {
            await tls.WriteAsync(key, cancellationToken).ConfigureAwait(false);
            await tls.FlushAsync(cancellationToken).ConfigureAwait(false);
            var ready = new byte[1];
            await tls.ReadExactlyAsync(ready, cancellationToken).ConfigureAwait(false);
            return ready[0] == Ready
                ? new SealedStream(tls, socket, key, isClient: true)
                : throw new IOException($"The data port answered {ready[0]} to the record key, not {Ready}.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The silo's side: takes the client's key from inside TLS, says it is ready, then seals everything else.</summary>
    /// <param name="tls">The authenticated TLS stream; owned from now on.</param>
    /// <param name="socket">The socket's stream under <paramref name="tls"/>.</param>
    /// <param name="cancellationToken">Stops the exchange.</param>
    public static async Task<SealedStream> AsServerAsync(SslStream tls, Stream socket, CancellationToken cancellationToken)
    {
        var key = new byte[KeyBytes];
        try
        {
            await tls.ReadExactlyAsync(key, cancellationToken).ConfigureAwait(false);
            await tls.WriteAsync(new[] { Ready }, cancellationToken).ConfigureAwait(false);
            await tls.FlushAsync(cancellationToken).ConfigureAwait(false);
            return new SealedStream(tls, socket, key, isClient: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var length = Math.Min(buffer.Length, RecordBytes);
            var record = sealing ??= GC.AllocateUninitializedArray<byte>(HeaderBytes + RecordBytes);
            BinaryPrimitives.WriteInt32LittleEndian(record, length);
            Count(sendNonce, ref sent);
            aes.Encrypt(sendNonce, buffer.Span[..length], record.AsSpan(HeaderBytes, length), record.AsSpan(4, TagBytes), record.AsSpan(0, 4));
            await socket.WriteAsync(record.AsMemory(0, HeaderBytes + length), cancellationToken).ConfigureAwait(false);
            buffer = buffer[length..];
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (openedAt == openedEnd)
        {
            ObjectDisposedException.ThrowIf(broken, this);
            var got = await socket.ReadAtLeastAsync(header, HeaderBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                return 0;
            }

            if (got < HeaderBytes)
            {
                throw Break($"The connection ended inside a record's header ({got} of {HeaderBytes} bytes).");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length is <= 0 or > RecordBytes)
            {
                throw Break($"A record announced {length} bytes; records carry 1 to {RecordBytes}.");
            }

            if (buffer.Length >= length)
            {
                // Straight into the reader's buffer, opened in place: no copy of its own.
                await ReadRecordAsync(buffer[..length], cancellationToken).ConfigureAwait(false);
                return length;
            }

            if (opened is null || opened.Length < length)
            {
                opened = GC.AllocateUninitializedArray<byte>(Math.Max(length, 4096));
            }

            await ReadRecordAsync(opened.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            (openedAt, openedEnd) = (0, length);
        }

        var count = Math.Min(buffer.Length, openedEnd - openedAt);
        opened.AsSpan(openedAt, count).CopyTo(buffer.Span);
        openedAt += count;
        return count;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Every caller here is asynchronous; the synchronous members stay correct by waiting on the same code.
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Records go out as they are written: nothing waits in a buffer.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            broken = true;
            aes.Dispose();
            tls.Dispose(); // and the socket under it
        }

        base.Dispose(disposing);
    }

    /// <summary>The next nonce of one direction: the record's number after the direction's 4 bytes.</summary>
    private static void Count(byte[] nonce, ref ulong records)
    {
        BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), records);
        records = checked(records + 1);
    }

    private async Task ReadRecordAsync(Memory<byte> ciphertext, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ReadExactlyAsync(ciphertext, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException ex)
        {
            throw Break($"The connection ended inside a record of {ciphertext.Length} bytes.", ex);
        }

        Count(receiveNonce, ref received);
        try
        {
            aes.Decrypt(receiveNonce, ciphertext.Span, header.AsSpan(4, TagBytes), ciphertext.Span, header.AsSpan(0, 4));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            // Decrypt has cleared what it wrote: nothing unauthenticated reaches the reader.
            throw Break($"Record {received - 1} of this connection failed its authentication tag: it was changed, dropped, reordered or not written by the cluster's peer. The connection is closed and its transfer refused.", ex);
        }
    }

    private IOException Break(string message, Exception? inner = null)
    {
        broken = true;
        return new IOException(message, inner);
    }
}
