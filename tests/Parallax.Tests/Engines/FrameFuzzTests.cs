using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// The frame reader against 10^5 frames a hostile or broken peer could send: random bytes, signed
/// frames with bytes flipped, frames cut short or with another length, and frames re-signed after
/// their header was changed (a peer with the key but bugs). The reader must accept exactly the frames
/// signed for this connection in order, refuse every other one with <see cref="FrameRejectedException"/>
/// (the stream stays usable) or <see cref="FrameCorruptException"/> (it must be closed), and throw
/// nothing else, whatever the bytes. In process, on real Unix sockets; a few seconds of CPU.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FrameFuzzTests : IDisposable
{
    private const int Cases = 100_000;
    private const int MaxFrameBytes = 1 << 20;
    private const int Seed = 15;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "parallax-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly byte[] key = RandomNumberGenerator.GetBytes(32);

    public FrameFuzzTests()
    {
        Directory.CreateDirectory(folder);
        listener.Bind(new UnixDomainSocketEndPoint(Path.Combine(folder, "fuzz.sock")));
        listener.Listen(1);
    }

    private enum Case
    {
        Valid,
        Flipped,
        RandomBody,
        Reframed,
        Resigned,
    }

    [Fact]
    public void A_hundred_thousand_random_and_mutated_frames_are_accepted_exactly_when_signed_and_never_break_the_reader()
    {
        var random = new Random(Seed);
        var counts = new int[5];
        var accepted = 0;
        var peer = Connect();
        try
        {
            for (var i = 0; i < Cases; i++)
            {
                var which = random.Next(100) switch
                {
                    < 25 => Case.Valid,
                    < 50 => Case.Flipped,
                    < 70 => Case.RandomBody,
                    < 75 => Case.Reframed,
                    _ => Case.Resigned,
                };
                counts[(int)which]++;
                try
                {
                    if (Run(peer, which, random))
                    {
                        accepted++;
                    }
                    else
                    {
                        peer.Dispose();
                        peer = Connect();
                    }
                }
                catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
                {
                    throw new Xunit.Sdk.XunitException($"case {i} ({which}, seed {Seed}): the reader threw {ex.GetType().Name}: {ex.Message}");
                }
            }
        }
        finally
        {
            peer.Dispose();
        }

        Assert.Equal(Cases, counts.Sum());
        Assert.All(counts, count => Assert.InRange(count, Cases / 25, Cases));
        Assert.InRange(accepted, Cases / 5, Cases);
    }

    /// <summary>Sends one case and checks the reader's verdict; false when the connection must be replaced.</summary>
    private bool Run(Peer peer, Case which, Random random)
    {
        var meta = RandomBytes(random, random.Next(0, 200));
        var data = RandomBytes(random, random.Next(0, random.Next(2) == 0 ? 64 : 3000));
        var kind = (FrameKind)random.Next(256);
        var request = (ulong)random.NextInt64();
        var valid = FrameCodec.Encode(key, peer.Nonce, FrameCodec.ClientToEngine, peer.Sequence, kind, request, meta, data);
        switch (which)
        {
            case Case.Valid:
            {
                peer.Socket.Send(valid);
                var frame = peer.Channel.Receive() ?? throw new Xunit.Sdk.XunitException("the reader saw the end of a live stream");
                Assert.Equal((kind, request), (frame.Kind, frame.RequestId));
                Assert.True(frame.Meta.SequenceEqual(meta) && frame.Data.Span.SequenceEqual(data), "an accepted frame differs from the one sent");
                peer.Sequence++;
                return true;
            }

            case Case.Flipped:
            {
                // Anything after the length prefix: the MAC, the header, the meta, the data.
                for (var flips = random.Next(1, 5); flips > 0; flips--)
                {
                    valid[random.Next(4, valid.Length)] ^= (byte)random.Next(1, 256);
                }

                peer.Socket.Send(valid);
                Assert.Throws<FrameRejectedException>(() => peer.Channel.Receive());
                return true;
            }

            case Case.RandomBody:
            {
                var length = random.Next(0, 600);
                var frame = new byte[4 + length];
                random.NextBytes(frame);
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
                peer.Socket.Send(frame);
                if (length < FrameCodec.FixedBodySize)
                {
                    Assert.Throws<FrameCorruptException>(() => peer.Channel.Receive());
                    return false;
                }

                Assert.Throws<FrameRejectedException>(() => peer.Channel.Receive());
                return true;
            }

            case Case.Reframed:
            {
                // Framing broken: another length (small, near, past the limits, huge) or the end cut off.
                // The reader may refuse frames, then must report the corruption or the end; never accept.
                byte[] bytes;
                if (random.Next(2) == 0)
                {
                    bytes = valid[..random.Next(1, valid.Length)];
                }
                else
                {
                    bytes = valid;
                    var length = random.Next(5) switch
                    {
                        0 => (uint)random.Next(0, FrameCodec.FixedBodySize),
                        1 => (uint)(valid.Length - 4 + random.Next(-40, 40)),
                        2 => (uint)random.Next(FrameChannel.UnauthenticatedFrameLimit, MaxFrameBytes + 2),
                        3 => (uint)random.Next(MaxFrameBytes, int.MaxValue),
                        _ => (uint)random.NextInt64(uint.MaxValue),
                    };
                    if (length == valid.Length - 4)
                    {
                        length++;
                    }

                    BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
                }

                peer.Socket.Send(bytes);
                peer.Socket.Shutdown(SocketShutdown.Send);
                for (var reads = 0; reads < 1000; reads++)
                {
                    try
                    {
                        if (peer.Channel.Receive() is { } frame)
                        {
                            throw new Xunit.Sdk.XunitException($"the reader accepted a reframed frame (kind {frame.Kind})");
                        }

                        return false;
                    }
                    catch (FrameRejectedException)
                    {
                        // Then the next bytes are read as a frame: keep reading to the end.
                    }
                    catch (FrameCorruptException)
                    {
                        return false;
                    }
                }

                throw new Xunit.Sdk.XunitException("the reader never reached the end of a closed stream");
            }

            default:
            {
                // A peer with the key and a bug: the header changed, then signed again. The meta length is
                // the one field the reader must check itself.
                var body = valid.AsSpan(4 + FrameCodec.MacSize);
                var metaLength = random.Next(3) switch
                {
                    0 => random.Next(int.MinValue, 0),
                    1 => random.Next(body.Length - 21 + 1, int.MaxValue),
                    _ => random.Next(0, body.Length - 21 + 1),
                };
                BinaryPrimitives.WriteInt32LittleEndian(body[17..], metaLength);
                body[8] = (byte)random.Next(256);
                FrameCodec.ComputeMac(peer.Resigner, peer.Nonce, FrameCodec.ClientToEngine, valid.AsSpan(0, 4), body, valid.AsSpan(4, FrameCodec.MacSize));
                peer.Socket.Send(valid);
                if (metaLength < 0 || metaLength > body.Length - 21)
                {
                    Assert.Contains("metadata claims", Assert.Throws<FrameRejectedException>(() => peer.Channel.Receive()).Message);
                    return true;
                }

                var frame = peer.Channel.Receive() ?? throw new Xunit.Sdk.XunitException("the reader saw the end of a live stream");
                Assert.Equal((metaLength, valid.Length - 4 - FrameCodec.FixedBodySize - metaLength), (frame.MetaLength, frame.DataLength));
                peer.Sequence++;
                return true;
            }
        }
    }

    private Peer Connect()
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(listener.LocalEndPoint!);
        var nonce = RandomNumberGenerator.GetBytes(FrameCodec.NonceSize);
        var channel = new FrameChannel(listener.Accept(), key, isEngine: true, MaxFrameBytes, nonce: nonce);
        return new Peer(client, channel, nonce, IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    public void Dispose()
    {
        listener.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    private sealed class Peer(Socket socket, FrameChannel channel, byte[] nonce, IncrementalHash resigner) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public FrameChannel Channel { get; } = channel;

        public byte[] Nonce { get; } = nonce;

        public IncrementalHash Resigner { get; } = resigner;

        public ulong Sequence { get; set; }

        public void Dispose()
        {
            Socket.Dispose();
            Channel.Dispose();
            Resigner.Dispose();
        }
    }
}
