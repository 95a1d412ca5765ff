using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace Parallax.Engines.Silos;

/// <summary>
/// A silo's port for bulk data, beside Orleans' messaging: a client streams a push's bytes straight
/// into the engine's upload buffer and reads a parked result straight out of it, one stream per
/// transfer and no message framing. Orleans' transport reads 4 KiB at a time and hands every read to
/// the thread pool, which carries about 30 MB/s per connection on a loaded 2-core machine (measured:
/// docs/engines.md); a plain stream moves the same bytes at memory and cipher speed. Each connection
/// begins with mutual TLS with the cluster certificate, like Orleans' own, inside which the client
/// hands the silo a fresh key; everything after travels in large AES-GCM records under that key
/// (<see cref="SealedStream"/>: TLS's 16 KiB records cost more than its cipher). A client also keeps
/// one idle connection open as a watch: when the silo's process dies, the kernel closes it, and the
/// client knows at once, without waiting for membership to declare the silo dead.
/// </summary>
/// <remarks>
/// The protocol, after the TLS handshake and the record key, in sealed records: one operation byte, then its fields, little-endian.
/// <list type="bullet">
/// <item><c>W</c>: watch. The silo answers with its incarnation (16 bytes) and then never writes again.</item>
/// <item><c>U</c> id(16) total(8) length(8) data(length): the bytes of upload id from its start. Answer: a status.</item>
/// <item><c>D</c> id(16) offset(8) length(4): read a parked result. Answer: a status, then the bytes.</item>
/// </list>
/// A status is one byte: 0, or 1 followed by a UTF-8 message (length(4), bytes). A connection serves
/// operations one after the other until the client closes it.
/// </remarks>
internal sealed class DataPort : IDisposable
{
    public const byte Watch = (byte)'W';
    public const byte Upload = (byte)'U';
    public const byte Download = (byte)'D';

    /// <summary>How long a peer has to complete its TLS handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener listener;
    private readonly ClusterCredentials? credentials;
    private readonly SiloEngine engine;
    private readonly Action<string> log;

    /// <param name="address">Where to listen: the address the silo's other ports use.</param>
    /// <param name="port">The port; 0 for any free one.</param>
    /// <param name="credentials">The cluster's credentials; null only for a benchmark without TLS.</param>
    /// <param name="engine">The engine whose transfers it serves.</param>
    /// <param name="log">Where refused connections are told.</param>
    public DataPort(IPAddress address, int port, ClusterCredentials? credentials, SiloEngine engine, Action<string> log)
    {
        this.credentials = credentials;
        this.engine = engine;
        this.log = log;
        listener = new TcpListener(address, port);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    /// <summary>Gets the port it listens on.</summary>
    public int Port { get; }

    public void Dispose() => listener.Stop();

    /// <summary>Opens a client's stream to a silo's data port: TLS with the cluster certificate both ways, then sealed records under a fresh key.</summary>
    public static async Task<Stream> ConnectAsync(IPEndPoint endpoint, ClusterCredentials? credentials, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            if (credentials is null)
            {
                return client.GetStream();
            }

            var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(HandshakeTimeout);
            await tls.AuthenticateAsClientAsync(credentials.ClientOptions(), handshake.Token).ConfigureAwait(false);
            return await SealedStream.AsClientAsync(tls, client.GetStream(), handshake.Token).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Reads a status; throws the peer's error as <see cref="IOException"/>.</summary>
    public static async Task ReadStatusAsync(Stream stream, CancellationToken cancellationToken)
    {
        var status = new byte[1];
        await stream.ReadExactlyAsync(status, cancellationToken).ConfigureAwait(false);
        if (status[0] == 0)
        {
            return;
        }

        var length = new byte[4];
        await stream.ReadExactlyAsync(length, cancellationToken).ConfigureAwait(false);
        var message = new byte[Math.Min(BinaryPrimitives.ReadInt32LittleEndian(length), 1 << 16)];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        throw new IOException($"The engine refused the transfer: {System.Text.Encoding.UTF8.GetString(message)}");
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return; // stopped
            }

            client.NoDelay = true;
            _ = ServeAsync(client);
        }
    }

    /// <summary>
    /// The silo's side of a new connection: the TLS handshake with the cluster certificate both ways
    /// (within <see cref="HandshakeTimeout"/>), then the client's record key (<see cref="SealedStream"/>).
    /// </summary>
    /// <exception cref="AuthenticationException">The peer did not present the cluster's certificate.</exception>
    public static async Task<Stream> AcceptAsync(TcpClient client, ClusterCredentials? credentials)
    {
        if (credentials is null)
        {
            return client.GetStream();
        }

        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            using var handshake = new CancellationTokenSource(HandshakeTimeout);
            await tls.AuthenticateAsServerAsync(credentials.ServerOptions(), handshake.Token).ConfigureAwait(false);
            return await SealedStream.AsServerAsync(tls, client.GetStream(), handshake.Token).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            // Read now: a refused connection's socket is closed by the time it is told.
            var peer = client.Client.RemoteEndPoint;
            Stream stream;
            try
            {
                stream = await AcceptAsync(client, credentials).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or OperationCanceledException or IOException)
            {
                log($"refused a data connection from {peer}: {ex.Message}");
                return;
            }

            try
            {
                var op = new byte[1];
                while (await stream.ReadAsync(op).ConfigureAwait(false) == 1)
                {
                    await ServeOneAsync(op[0], stream).ConfigureAwait(false);
                }
            }
            catch (IOException ex) when (ex.InnerException is System.Security.Cryptography.CryptographicException)
            {
                log($"refused a data record from {peer}: {ex.Message}");
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                // The client went away; an upload it left unfinished was dropped.
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task ServeOneAsync(byte op, Stream stream)
    {
        var header = new byte[32];
        switch (op)
        {
            case Watch:
                await stream.WriteAsync(engine.Identity.Incarnation.ToByteArray()).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                return;
            case Upload:
            {
                await stream.ReadExactlyAsync(header).ConfigureAwait(false);
                var id = new Guid(header.AsSpan(0, 16));
                var total = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
                var length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24));
                string? error = null;
                try
                {
                    await engine.Transfers.WriteFromAsync(id, total, length, stream).ConfigureAwait(false);
                }
                catch (ArgumentOutOfRangeException ex)
                {
                    // Nothing more can be read of this connection in step: answer, then close it.
                    error = ex.Message;
                }

                await WriteStatusAsync(stream, error).ConfigureAwait(false);
                if (error is not null)
                {
                    throw new IOException(error);
                }

                return;
            }

            case Download:
            {
                await stream.ReadExactlyAsync(header.AsMemory(0, 28)).ConfigureAwait(false);
                ReadOnlyMemory<byte> data;
                try
                {
                    data = engine.Transfers.Read(new Guid(header.AsSpan(0, 16)), BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)), BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(24)));
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentOutOfRangeException)
                {
                    await WriteStatusAsync(stream, ex.Message).ConfigureAwait(false);
                    return;
                }

                await WriteStatusAsync(stream, null).ConfigureAwait(false);
                await stream.WriteAsync(data).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
                return;
            }

            default:
                throw new IOException($"unknown operation {op}");
        }
    }

    private static async Task WriteStatusAsync(Stream stream, string? error)
    {
        if (error is null)
        {
            await stream.WriteAsync(new byte[] { 0 }).ConfigureAwait(false);
        }
        else
        {
            var message = System.Text.Encoding.UTF8.GetBytes(error);
            var frame = new byte[5 + message.Length];
            frame[0] = 1;
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(1), message.Length);
            message.CopyTo(frame, 5);
            await stream.WriteAsync(frame).ConfigureAwait(false);
        }

        await stream.FlushAsync().ConfigureAwait(false);
    }
}
