using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// What checking shared memory costs per transfer: the AES-256-GMAC tag the transport uses against
/// the SHA-256 digest it used before, over one 64 MB range (a third of the seed's 200 MB matrix).
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class SegmentMacBenchmarks
{
    private readonly SegmentMac mac = new(RandomNumberGenerator.GetBytes(32));
    private byte[] data = [];
    private byte[] tag = [];

    [GlobalSetup]
    public void Setup()
    {
        data = new byte[64 << 20];
        new Random(3).NextBytes(data);
        tag = mac.Sign(data);
    }

    [Benchmark(Baseline = true, Description = "SHA-256 digest (before)")]
    public byte[] Sha256() => SHA256.HashData(data);

    [Benchmark(Description = "GMAC tag (SegmentMac.Sign)")]
    public byte[] Sign() => mac.Sign(data);

    [Benchmark(Description = "GMAC check (SegmentMac.Check)")]
    public bool Check() => mac.Check(data, tag);
}
