using MemoryPack;

namespace Parallax.Engines.Transport;

/// <summary>
/// Where data lies when it is too large to travel inline: a range of a shared-memory segment, with the
/// tag (<see cref="SegmentMac"/>) that the signed frame carrying this record vouches for.
/// </summary>
[MemoryPackable]
internal sealed partial record SharedRange(string Path, long Offset, long Length, byte[] Tag)
{
    /// <summary>
    /// Maps the range a peer wrote and checks it against its tag: the one way either side reads data
    /// out of shared memory (the client a large result, an engine large call arguments).
    /// </summary>
    /// <param name="folder">The cluster's segment folder; a path outside it is refused.</param>
    /// <param name="mac">The cluster's segment MAC.</param>
    /// <param name="handBack">
    /// Whether the writer reuses the pages once this reader is done (an engine's reply segments,
    /// <c>ReplySegments</c>): disposing the mapping, or failing to verify it, then marks the segment free.
    /// </param>
    /// <returns>The verified bytes, mapped until the result is disposed.</returns>
    /// <exception cref="FrameRejectedException">The path is not the cluster's, the range lies outside the segment, or the bytes do not match the tag.</exception>
    /// <exception cref="IOException">The segment cannot be opened (it is gone).</exception>
    public MappedRange Map(string folder, SegmentMac mac, bool handBack)
    {
        var segment = SharedSegment.Open(folder, Path);
        try
        {
            segment.Verify(mac, Offset, Length, Tag);
            return new MappedRange(segment, segment.Memory.Slice((int)Offset, (int)Length), handBack);
        }
        catch
        {
            new MappedRange(segment, default, handBack).Dispose();
            throw;
        }
    }
}

/// <summary>A verified range of a mapped segment (<see cref="SharedRange.Map"/>). Disposing it lets go of the mapping.</summary>
internal readonly struct MappedRange(SharedSegment segment, ReadOnlyMemory<byte> memory, bool handBack) : IDisposable
{
    /// <summary>Gets the range's bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Memory => memory;

    /// <summary>Gets the range's bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Span => memory.Span;

    public void Dispose()
    {
        if (handBack)
        {
            // Read (or refused): the writer may put its next data into these pages.
            segment.MarkFree();
        }

        segment.Release();
    }
}
