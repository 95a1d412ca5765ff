using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Parallax.Engines.Silos;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// Where the time of a push through silos' data ports goes, piece by piece, in one process on loopback:
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engines-orleans --breakdown [MB]</c>.
/// Each row moves the same bytes: plain TCP streams, then TLS streams with the cluster certificate and
/// the data port's own options (what the silos negotiate), one stream and three at once (a push to 3
/// engines), then the first touch of as many fresh bytes as a receiving engine maps. Medians of
/// interleaved rounds; warm buffers on both ends, so that only the transport is timed.
/// </summary>
internal static class SiloTransferBreakdown
{
    private const int Rounds = 5;

    public static async Task RunAsync(long bytes)
    {
        var folder = Path.Combine(Path.GetTempPath(), "parallax-breakdown-" + Guid.NewGuid().ToString("N"));
        var credentials = ClusterCredentials.Create(folder, "breakdown");
        try
        {
            var payload = new byte[bytes];
            Random.Shared.NextBytes(payload);
            byte[][] sinks = [new byte[bytes], new byte[bytes], new byte[bytes]];
            foreach (var sink in sinks)
            {
                sink.AsSpan().Fill(1);
            }

            var cipher = await NegotiatedAsync(credentials);
            Console.WriteLine($"Transfer breakdown on loopback: {bytes / 1e6:F0} MB per stream, {Environment.ProcessorCount} cores, load average {EnginesBench.LoadAverage()}, TLS {cipher}");
            var rows = new Dictionary<string, List<double>>();
            for (var round = 0; round < Rounds; round++)
            {
                await TimeAsync(rows, "TCP, 1 stream", () => StreamAsync(payload, sinks[..1], null));
                await TimeAsync(rows, "TLS, 1 stream", () => StreamAsync(payload, sinks[..1], credentials));
                await TimeAsync(rows, "TCP, 3 streams at once", () => StreamAsync(payload, sinks, null));
                await TimeAsync(rows, "TLS, 3 streams at once", () => StreamAsync(payload, sinks, credentials));
                await TimeAsync(rows, "sealed records (data port), 1 stream", () => StreamAsync(payload, sinks[..1], credentials, sealedRecords: true));
                await TimeAsync(rows, "sealed records (data port), 3 streams", () => StreamAsync(payload, sinks, credentials, sealedRecords: true));
                await TimeAsync(rows, "first touch of fresh memory, 1 buffer", () =>
                {
                    var fresh = GC.AllocateUninitializedArray<byte>((int)bytes);
                    for (var i = 0; i < fresh.Length; i += 4096)
                    {
                        fresh[i] = 1;
                    }

                    GC.KeepAlive(fresh);
                    return Task.FromResult(1);
                });
            }

            foreach (var (what, seconds) in rows)
            {
                var median = seconds.Order().ElementAt(seconds.Count / 2);
                var streams = what.Contains("3 streams", StringComparison.Ordinal) ? 3 : 1;
                Console.WriteLine($"{what,-42} {median * 1000,9:F0} ms   {streams * bytes / median / 1e9,6:F2} GB/s");
            }

            Console.WriteLine($"load average at the end {EnginesBench.LoadAverage()}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task TimeAsync(Dictionary<string, List<double>> rows, string what, Func<Task<int>> run)
    {
        var watch = Stopwatch.StartNew();
        await run();
        if (!rows.TryGetValue(what, out var list))
        {
            rows[what] = list = [];
        }

        list.Add(watch.Elapsed.TotalSeconds);
    }

    private static async Task<string> NegotiatedAsync(ClusterCredentials credentials)
    {
        var (server, client) = await PairAsync(credentials);
        var suite = ((SslStream)client).NegotiatedCipherSuite + " " + ((SslStream)client).SslProtocol;
        await server.DisposeAsync();
        await client.DisposeAsync();
        return suite;
    }

    /// <summary>Streams <c>payload</c> once into each sink, each over a connection of its own, all at once.</summary>
    private static async Task<int> StreamAsync(byte[] payload, byte[][] sinks, ClusterCredentials? credentials, bool sealedRecords = false)
    {
        var pairs = await Task.WhenAll(sinks.Select(_ => sealedRecords ? SealedPairAsync(credentials!) : PairAsync(credentials)));
        try
        {
            await Task.WhenAll(pairs.Select((pair, i) => Task.WhenAll(
                Task.Run(async () =>
                {
                    await pair.Client.WriteAsync(payload);
                    await pair.Client.FlushAsync();
                }),
                Task.Run(async () => await pair.Server.ReadExactlyAsync(sinks[i])))));
        }
        finally
        {
            foreach (var (server, client) in pairs)
            {
                await server.DisposeAsync();
                await client.DisposeAsync();
            }
        }

        return sinks.Length;
    }

    /// <summary>A connected pair on loopback, plain TCP or TLS streams (SslStream both ends, the data port's options).</summary>
    private static async Task<(Stream Server, Stream Client)> PairAsync(ClusterCredentials? credentials)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient { NoDelay = true };
        var connecting = client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var accepted = await listener.AcceptTcpClientAsync();
        accepted.NoDelay = true;
        await connecting;
        if (credentials is null)
        {
            return (accepted.GetStream(), client.GetStream());
        }

        var server = new SslStream(accepted.GetStream(), leaveInnerStreamOpen: false);
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        // The client's handshake needs the server's at the same time.
        await Task.WhenAll(server.AuthenticateAsServerAsync(credentials.ServerOptions()), tls.AuthenticateAsClientAsync(credentials.ClientOptions()));
        return (server, tls);
    }

    /// <summary>A connected pair as the data port has them: the server's end as it accepts, the client's as a data channel opens (TLS, then sealed records).</summary>
    private static async Task<(Stream Server, Stream Client)> SealedPairAsync(ClusterCredentials credentials)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = DataPort.ConnectAsync((IPEndPoint)listener.LocalEndpoint, credentials, CancellationToken.None);
        var accepted = await listener.AcceptTcpClientAsync();
        accepted.NoDelay = true;
        return (await DataPort.AcceptAsync(accepted, credentials), await connecting);
    }
}
