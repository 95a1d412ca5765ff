using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>A silo's uploads and parked results, in this process: the upload buffers a push's values keep, and their reuse once those values are gone.</summary>
public class TransfersTests
{
    [Fact]
    public async Task An_upload_buffer_is_reused_only_once_nothing_holds_it_and_a_pulled_value_keeps_its_buffer_while_parked()
    {
        var transfers = new Transfers();
        var first = await UploadAsync(transfers, 1 << 20, fill: 1);
        var (bytes, buffer) = transfers.Take(first);
        Assert.True(bytes.Span.IndexOfAnyExcept((byte)1) < 0);

        // A value keeps the buffer (as the namespace does): the next upload gets another one.
        buffer.AddReference();
        buffer.Release(); // the taker's reference, handed on
        var second = await UploadAsync(transfers, 1 << 20, fill: 2);
        var (_, other) = transfers.Take(second);
        Assert.NotSame(buffer, other);
        other.Release();
        Assert.True(bytes.Span.IndexOfAnyExcept((byte)1) < 0, "a buffer still held was written by a later upload");

        // Pulled back while held, the value is parked with its own reference: the value going away does not free it.
        var parked = transfers.Park(bytes[..100]);
        buffer.Release();
        var third = await UploadAsync(transfers, 1 << 20, fill: 3);
        var (thirdBytes, thirdBuffer) = transfers.Take(third);
        Assert.NotSame(buffer, thirdBuffer); // the free one is the second upload's
        Assert.Same(other, thirdBuffer);
        Assert.True(transfers.Read(parked, 0, 100).Span.IndexOfAnyExcept((byte)1) < 0);
        thirdBuffer.Release();

        // Dropped, the parked result lets go, and the first buffer takes the next upload with its bytes.
        transfers.Drop(parked);
        var fourth = await UploadAsync(transfers, (1 << 20) - 10, fill: 4);
        var (fourthBytes, fourthBuffer) = transfers.Take(fourth);
        Assert.True(ReferenceEquals(buffer, fourthBuffer) || ReferenceEquals(other, fourthBuffer), "a free buffer that fits was not reused");
        Assert.Equal((1 << 20) - 10, fourthBytes.Length);
        Assert.True(fourthBytes.Span.IndexOfAnyExcept((byte)4) < 0);
        fourthBuffer.Release();
        Assert.True(transfers.Buffers <= BufferPool.Limit);
        GC.KeepAlive(thirdBytes);
    }

    [Fact]
    public void A_large_result_is_serialized_into_a_kept_buffer_that_the_next_result_reuses_once_its_download_is_dropped()
    {
        var transfers = new Transfers();
        var value = Enumerable.Range(0, 1 << 18).Select(i => (double)i).ToArray();
        var (id, length) = transfers.Park(Payload.FromValue(typeof(double[]), value));
        var expected = MemoryPack.MemoryPackSerializer.Serialize(value);
        Assert.Equal(expected.Length, length);
        Assert.True(transfers.Read(id, 0, (int)length).Span.SequenceEqual(expected));
        Assert.Equal(1, transfers.Buffers);

        // While parked, a second result needs a buffer of its own; once the first is dropped, the third takes its buffer back.
        var (second, _) = transfers.Park(Payload.FromValue(typeof(double[]), value));
        Assert.Equal(2, transfers.Buffers);
        transfers.Drop(id);
        var (third, thirdLength) = transfers.Park(Payload.FromValue(typeof(double[]), value.Reverse().ToArray()));
        Assert.Equal(2, transfers.Buffers);
        Assert.Equal(value[^1], MemoryPack.MemoryPackSerializer.Deserialize<double[]>(transfers.Read(third, 0, (int)thirdLength).Span)![0]);
        Assert.True(transfers.Read(second, 0, (int)length).Span.SequenceEqual(expected), "a parked result was overwritten");
    }

    [Fact]
    public async Task An_upload_cut_short_is_forgotten_whole_and_never_taken()
    {
        var transfers = new Transfers();
        var id = Guid.NewGuid();
        await Assert.ThrowsAnyAsync<EndOfStreamException>(() => transfers.WriteFromAsync(id, 1000, 1000, new MemoryStream(new byte[999])));
        Assert.Equal(0, transfers.Count);
        Assert.Contains($"No upload {id} is held", Assert.Throws<InvalidOperationException>(() => transfers.Take(id)).Message, StringComparison.Ordinal);
    }

    private static async Task<Guid> UploadAsync(Transfers transfers, int length, byte fill)
    {
        var id = Guid.NewGuid();
        var data = new byte[length];
        data.AsSpan().Fill(fill);
        await transfers.WriteFromAsync(id, length, length, new MemoryStream(data));
        return id;
    }
}
