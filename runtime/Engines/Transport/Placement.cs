namespace Parallax.Engines.Transport;

/// <summary>
/// Where data travels: inline in a frame, or through a shared-memory segment that the reader maps.
/// The one place that decides it and writes the shared form, for every direction: a call's arguments
/// and pushed values from the client, results from an engine. Under the threshold a frame's copy is
/// cheaper than creating or mapping a segment; over it, one segment serves every target.
/// </summary>
/// <param name="threshold">The size from which data goes through shared memory (<c>ClusterOptions.SharedMemoryThreshold</c>).</param>
/// <param name="mac">Tags what is written, so that the signed frame naming a range vouches for its bytes.</param>
internal sealed class Placement(int threshold, SegmentMac mac)
{
    /// <summary>Whether <paramref name="size"/> bytes go through shared memory.</summary>
    public bool IsShared(long size) => size >= threshold;

    /// <summary>
    /// Writes <paramref name="parts"/> one after the other into <paramref name="segment"/> from its start,
    /// each serialized straight into the mapping, and tags each range (in parallel when there are
    /// several: a reader checks each value on its own, and GMAC runs at memory speed on one core).
    /// </summary>
    /// <returns>Where each part lies, in order, with its tag.</returns>
    public SharedRange[] Write(SharedSegment segment, IReadOnlyList<Payload> parts)
    {
        var offsets = new long[parts.Count];
        var lengths = new long[parts.Count];
        long at = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            offsets[i] = at;
            lengths[i] = parts[i].WriteTo(segment, at);
            at += lengths[i];
        }

        var ranges = new SharedRange[parts.Count];
        if (parts.Count == 1)
        {
            ranges[0] = new SharedRange(segment.Path, 0, lengths[0], segment.Sign(mac, 0, lengths[0]));
        }
        else
        {
            Parallel.For(0, parts.Count, i => ranges[i] = new SharedRange(segment.Path, offsets[i], lengths[i], segment.Sign(mac, offsets[i], lengths[i])));
        }

        return ranges;
    }

    /// <summary>
    /// Describes data the sender wrote into <paramref name="segment"/> already (<see cref="Payload.InSegment"/>):
    /// its range and tag, for a reader to map instead of receiving a copy.
    /// </summary>
    public SharedRange Describe(SharedSegment segment, ReadOnlyMemory<byte> bytes)
    {
        if (!System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager(bytes, out SharedSegment? owner, out var start, out var length) || owner != segment)
        {
            throw new ArgumentException($"The bytes to describe do not lie in the segment '{segment.Path}'.", nameof(bytes));
        }

        return new SharedRange(segment.Path, start, length, segment.Sign(mac, start, length));
    }
}
