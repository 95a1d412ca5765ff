using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;

namespace Parallax.Engines.Silos;

/// <summary>
/// The client's side of one engine silo's data port (<see cref="DataPort"/>): streams kept open for
/// transfers, one transfer at a time each, and the watch that tells when the silo's process is gone.
/// </summary>
internal sealed class DataChannel(IPEndPoint endpoint, ClusterCredentials? credentials) : IDisposable
{
    private readonly ConcurrentBag<Stream> idle = [];
    private int disposed;

    public IPEndPoint Endpoint { get; } = endpoint;

    /// <summary>Streams <paramref name="parts"/>, one after the other, to the engine as one upload; returns its id.</summary>
    public Task<Guid> UploadAsync(IReadOnlyList<ReadOnlyMemory<byte>> parts, CancellationToken cancellationToken) => UseAsync(async stream =>
    {
        var id = Guid.NewGuid();
        var total = parts.Sum(p => (long)p.Length);
        var header = new byte[33];
        header[0] = DataPort.Upload;
        id.TryWriteBytes(header.AsSpan(1));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(17), total);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(25), total);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        foreach (var part in parts)
        {
            await stream.WriteAsync(part, cancellationToken).ConfigureAwait(false);
        }

        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await DataPort.ReadStatusAsync(stream, cancellationToken).ConfigureAwait(false);
        return id;
    }, cancellationToken);

    /// <summary>Reads parked result <paramref name="parked"/> into <paramref name="destination"/>, which is as long as it.</summary>
    public Task DownloadAsync(Guid parked, Memory<byte> destination, CancellationToken cancellationToken) => UseAsync(async stream =>
    {
        var header = new byte[29];
        header[0] = DataPort.Download;
        parked.TryWriteBytes(header.AsSpan(1));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(17), 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(25), destination.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        await DataPort.ReadStatusAsync(stream, cancellationToken).ConfigureAwait(false);
        await stream.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <summary>
    /// Watches the silo process: returns when its watch connection ends and a new one finds no process,
    /// or another incarnation, on the port (the silo died), or when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    /// <returns>How the silo was found gone, or null when cancelled.</returns>
    public async Task<string?> WatchAsync(Guid incarnation, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                limit.CancelAfter(DataPort.HandshakeTimeout);
                stream = await DataPort.ConnectAsync(Endpoint, credentials, limit.Token).ConfigureAwait(false);
                await stream.WriteAsync(new[] { DataPort.Watch }, limit.Token).ConfigureAwait(false);
                await stream.FlushAsync(limit.Token).ConfigureAwait(false);
                var answer = new byte[16];
                await stream.ReadExactlyAsync(answer, limit.Token).ConfigureAwait(false);
                if (new Guid(answer) != incarnation)
                {
                    await stream.DisposeAsync().ConfigureAwait(false);
                    return $"another process (incarnation {new Guid(answer)}) listens on its data port {Endpoint}: it was restarted";
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                return $"its silo process is gone (its data port {Endpoint} refused a connection: {ex.Message})";
            }

            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    // Nothing is ever written on a watch: the read ends only when the connection does.
                    _ = await stream.ReadAsync(new byte[1], cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
                {
                }
            }

            // The connection ended: the loop checks at once whether the process still answers.
        }

        return null;
    }

    public void Dispose()
    {
        Volatile.Write(ref disposed, 1);
        while (idle.TryTake(out var stream))
        {
            stream.Dispose();
        }
    }

    /// <summary>Runs <paramref name="operation"/> on an idle stream (or a new one); a stream that failed or was cancelled mid-way is closed, never reused.</summary>
    private async Task<T> UseAsync<T>(Func<Stream, Task<T>> operation, CancellationToken cancellationToken)
    {
        Stream? stream = idle.TryTake(out var kept) ? kept : await DataPort.ConnectAsync(Endpoint, credentials, cancellationToken).ConfigureAwait(false);
        try
        {
            // A cancelled transfer (its engine found dead) must not wait on a socket that will never answer.
            await using var abort = cancellationToken.Register(stream.Dispose).ConfigureAwait(false);
            var result = await operation(stream).ConfigureAwait(false);
            if (Volatile.Read(ref disposed) == 0 && !cancellationToken.IsCancellationRequested)
            {
                idle.Add(stream);
                stream = null;
            }

            return result;
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
