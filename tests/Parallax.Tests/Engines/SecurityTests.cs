using System.Buffers.Binary;
using System.Net.Sockets;
using MemoryPack;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>Drives an engine's socket directly, as an attacker on this machine or a buggy peer would.</summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SecurityTests(ClusterFixture fixture)
{
    private Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Unsigned_and_mis_signed_and_tampered_frames_are_rejected_and_the_connection_keeps_serving()
    {
        using var rogue = Connect(out var nonce);
        var unsigned = Frame(nonce, 0, FrameKind.Ping, 1);
        unsigned.AsSpan(4, FrameCodec.MacSize).Clear();
        rogue.SendRaw(unsigned);
        await ClusterFixture.WaitForLog(Cluster, "rejected frame: unsigned frame");

        rogue.SendRaw(FrameCodec.Encode(new byte[32], nonce, FrameCodec.ClientToEngine, 0, FrameKind.Ping, 2, default, default));
        await ClusterFixture.WaitForLog(Cluster, "mis-signed frame");

        var tampered = Frame(nonce, 0, FrameKind.Pull, 3, MemoryPackSerializer.Serialize(new PullMeta("x", "System.Int32")));
        tampered[^1] ^= 1;
        var before = Cluster.EngineLog.Count(l => l.Contains("mis-signed", StringComparison.Ordinal));
        rogue.SendRaw(tampered);
        await WaitForCount("mis-signed", before + 1);

        // Framing was intact, so the same connection still serves a correctly signed frame (sequence 0: nothing was accepted yet).
        rogue.SendRaw(Frame(nonce, 0, FrameKind.Ping, 4));
        Assert.Equal(4UL, ReceiveReply(rogue));
        AssertClientStillWorks();
    }

    [Fact]
    public async Task Replayed_frames_are_rejected_on_the_same_and_on_another_connection()
    {
        using var first = Connect(out var nonce);
        var ping = Frame(nonce, 0, FrameKind.Ping, 10);
        first.SendRaw(ping);
        Assert.Equal(10UL, ReceiveReply(first));
        first.SendRaw(ping);
        await ClusterFixture.WaitForLog(Cluster, "replayed or out-of-order frame: sequence 0, expected 1");
        first.SendRaw(Frame(nonce, 1, FrameKind.Ping, 11));
        Assert.Equal(11UL, ReceiveReply(first));

        using var second = Connect(out var otherNonce);
        Assert.NotEqual(nonce, otherNonce);
        var before = Cluster.EngineLog.Count(l => l.Contains("mis-signed", StringComparison.Ordinal));
        second.SendRaw(ping); // recorded on the first connection: signed under another nonce
        await WaitForCount("mis-signed", before + 1);
        AssertClientStillWorks();
    }

    [Fact]
    public async Task Truncated_and_oversized_frames_are_rejected_and_the_engine_keeps_serving()
    {
        using (var shortHeader = Connect(out _))
        {
            var frame = new byte[4 + 10];
            BinaryPrimitives.WriteUInt32LittleEndian(frame, 10);
            shortHeader.SendRaw(frame);
            await ClusterFixture.WaitForLog(Cluster, "truncated frame: 10 bytes is shorter");
        }

        using (var badMeta = Connect(out var nonce))
        {
            var frame = Frame(nonce, 0, FrameKind.Ping, 20);
            BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4 + FrameCodec.MacSize + 17), 1_000);
            badMeta.SendRaw(frame);
            await ClusterFixture.WaitForLog(Cluster, "truncated frame: its metadata claims 1000 bytes");
            badMeta.SendRaw(Frame(nonce, 0, FrameKind.Ping, 21));
            Assert.Equal(21UL, ReceiveReply(badMeta));
        }

        using (var cutOff = Connect(out var nonce))
        {
            var frame = Frame(nonce, 0, FrameKind.Ping, 22);
            cutOff.SendRaw(frame.AsSpan(0, frame.Length - 5));
            cutOff.Socket.Shutdown(SocketShutdown.Send);
            await ClusterFixture.WaitForLog(Cluster, "truncated frame: the stream ended inside it");
        }

        using (var huge = Connect(out _))
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, uint.MaxValue);
            huge.SendRaw(prefix);
            await ClusterFixture.WaitForLog(Cluster, "oversized frame");
        }

        AssertClientStillWorks();
    }

    [Fact]
    public void Shared_memory_changed_after_a_signed_push_is_refused_when_the_engine_uses_it()
    {
        using var rogue = Connect(out var nonce);
        var value = MemoryPackSerializer.Serialize(Enumerable.Range(0, 1000).Select(i => (double)i).ToArray());
        var segment = SharedSegment.Create(Cluster.Connection.SegmentFolder, "test", value.Length);
        try
        {
            value.CopyTo(segment.Span);
            var push = new PushMeta(["tampered"], ["System.Double[]"], [0], [value.Length], segment.Path, [segment.Sign(Cluster.Connection.SegmentMac, 0, value.Length)]);
            rogue.SendRaw(Frame(nonce, 0, FrameKind.Push, 30, MemoryPackSerializer.Serialize(push)));
            Assert.Null(ReceiveReplyMeta(rogue, 30).Error);

            segment.Span[^1] ^= 0x40; // someone rewrites the shared bytes after the signed push
            var pull = ReceiveReplyMeta(rogue, 31, Frame(nonce, 1, FrameKind.Pull, 31, MemoryPackSerializer.Serialize(new PullMeta("tampered", "System.Double[]"))));
            Assert.Equal(typeof(System.Security.SecurityException).FullName, pull.Error?.Type);
            Assert.Contains("'tampered'", pull.Error!.Message);
        }
        finally
        {
            segment.Unlink();
            segment.Release();
        }
    }

    [Fact]
    public void Shared_memory_tagged_under_another_cluster_key_is_refused()
    {
        using var rogue = Connect(out var nonce);
        var value = MemoryPackSerializer.Serialize(new[] { 1.0, 2.0, 3.0 });
        var segment = SharedSegment.Create(Cluster.Connection.SegmentFolder, "test", value.Length);
        try
        {
            value.CopyTo(segment.Span);

            // The frame itself is signed with the right key; only the shared bytes' tag is forged.
            var forged = new SegmentMac(ConnectionInfo.CreateNew("/tmp", 1 << 20, 1 << 20).Key);
            var push = new PushMeta(["forged"], ["System.Double[]"], [0], [value.Length], segment.Path, [segment.Sign(forged, 0, value.Length)]);
            rogue.SendRaw(Frame(nonce, 0, FrameKind.Push, 40, MemoryPackSerializer.Serialize(push)));
            Assert.Null(ReceiveReplyMeta(rogue, 40).Error);
            var pull = ReceiveReplyMeta(rogue, 41, Frame(nonce, 1, FrameKind.Pull, 41, MemoryPackSerializer.Serialize(new PullMeta("forged", "System.Double[]"))));
            Assert.Equal(typeof(System.Security.SecurityException).FullName, pull.Error?.Type);
        }
        finally
        {
            segment.Unlink();
            segment.Release();
        }
    }

    [Fact]
    public void Segment_tags_check_every_byte_and_the_key_and_carry_a_fresh_nonce()
    {
        var mac = new SegmentMac(Cluster.Connection.Key);
        var data = new byte[(1 << 20) + 3];
        new Random(5).NextBytes(data);
        var tag = mac.Sign(data);
        var again = mac.Sign(data);

        Assert.Equal(SegmentMac.TagSize, tag.Length);
        Assert.NotEqual(tag, again); // a new nonce per transfer: GMAC must never reuse one under a key
        Assert.True(mac.Check(data, tag));
        Assert.True(mac.Check(data, again));
        Assert.True(new SegmentMac(ConnectionInfo.Read(Cluster.ConnectionFilePath).Key).Check(data, tag)); // the engines' view of the key

        foreach (var at in new[] { 0, data.Length / 2, data.Length - 1 })
        {
            data[at] ^= 1;
            Assert.False(mac.Check(data, tag), $"a flipped byte at {at} went unnoticed");
            data[at] ^= 1;
        }

        Assert.False(mac.Check(data.AsSpan(0, data.Length - 1), tag));
        Assert.False(mac.Check(data, tag.AsSpan(0, tag.Length - 1)));
        Assert.False(new SegmentMac(ConnectionInfo.CreateNew("/tmp", 1 << 20, 1 << 20).Key).Check(data, tag));
    }

    [Fact]
    public void The_connection_file_holds_a_random_key_readable_by_this_user_only()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Cluster.ConnectionFilePath));
        Assert.Equal(32, Cluster.Connection.Key.Length);
        Assert.Equal(Cluster.Connection.Key, ConnectionInfo.Read(Cluster.ConnectionFilePath).Key);
        Assert.NotEqual(Cluster.Connection.Key, ConnectionInfo.CreateNew("/tmp", 1 << 20, 1 << 20).Key);
    }

    private FrameChannel Connect(out byte[] nonce)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(Cluster.Connection.SocketPath(0)));
        var channel = new FrameChannel(socket, Cluster.Connection.Key, isEngine: false, Cluster.Connection.MaxFrameBytes);
        nonce = channel.ReceiveWelcome().Welcome.Nonce;
        return channel;
    }

    private byte[] Frame(byte[] nonce, ulong sequence, FrameKind kind, ulong requestId, byte[]? meta = null) =>
        FrameCodec.Encode(Cluster.Connection.Key, nonce, FrameCodec.ClientToEngine, sequence, kind, requestId, meta ?? [], default);

    private static ulong ReceiveReply(FrameChannel channel)
    {
        var frame = channel.Receive() ?? throw new Xunit.Sdk.XunitException("the engine closed the connection");
        Assert.Equal(FrameKind.Reply, frame.Kind);
        return frame.RequestId;
    }

    private static ReplyMeta ReceiveReplyMeta(FrameChannel channel, ulong requestId, byte[]? send = null)
    {
        if (send is not null)
        {
            channel.SendRaw(send);
        }

        var frame = channel.Receive() ?? throw new Xunit.Sdk.XunitException("the engine closed the connection");
        Assert.Equal(requestId, frame.RequestId);
        return MemoryPackSerializer.Deserialize<ReplyMeta>(frame.Meta)!;
    }

    private async Task WaitForCount(string text, int count)
    {
        for (var i = 0; i < 400 && Cluster.EngineLog.Count(l => l.Contains(text, StringComparison.Ordinal)) < count; i++)
        {
            await Task.Delay(25);
        }

        Assert.True(Cluster.EngineLog.Count(l => l.Contains(text, StringComparison.Ordinal)) >= count, string.Join("\n", Cluster.EngineLog));
    }

    private void AssertClientStillWorks() =>
        Assert.Equal(["Hello!", "Hello!", "Hello!"], Cluster.Client[..].ApplySync(() => "Hello!"));
}
