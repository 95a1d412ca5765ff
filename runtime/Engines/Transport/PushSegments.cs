namespace Parallax.Engines.Transport;

/// <summary>
/// The shared-memory segments the client pushes large values through, kept and reused. The first
/// write to a page is what a large push costs on a virtual machine (the hypervisor backs pages on
/// demand), so a push that rewrites the pages of an earlier push costs a fraction of one into fresh
/// memory. A segment is reused only when every target engine has said it no longer maps it
/// (<see cref="FrameKind.Released"/>: it read the values or they were replaced) or has died, and the
/// push itself has finished. At most <see cref="Capacity"/> segments are kept.
/// A rented segment carries a lease (a reference of its own) until <see cref="PushFinished"/>: the
/// pusher writes and signs it through a raw pointer, so the pool deleting it meanwhile (a trim, or
/// <see cref="DeleteAll"/> when the cluster is disposed) removes its name but leaves the mapping to the pusher.
/// Segments are named <paramref name="tag"/> and a random suffix (a client of a standing cluster puts its lease's id in the tag: <see cref="ClientLease"/>).
/// </summary>
internal sealed class PushSegments(string folder, string owner = "Cluster", string tag = "push")
{
    /// <summary>How many segments are kept: one being pushed while the engines still hold the previous one.</summary>
    public const int Capacity = 2;

    private readonly List<Entry> entries = [];
    private int created;
    private bool closed;
    private readonly Lock gate = new();

    /// <summary>Gets how many segments this pool has created: fewer than pushes means reuse.</summary>
    public int Created => Volatile.Read(ref created);

    /// <summary>
    /// A segment of at least <paramref name="length"/> bytes that no engine maps, for a push to
    /// <paramref name="targets"/>, leased to the caller until it calls <see cref="PushFinished"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The engines were closed (their owner was disposed).</exception>
    public SharedSegment Rent(long length, IReadOnlyList<int> targets)
    {
        lock (gate)
        {
            if (closed)
            {
                throw new ObjectDisposedException(owner);
            }

            Entry? best = null;
            foreach (var entry in entries)
            {
                if (entry.Idle && entry.Segment.Length >= length && (best is null || entry.Segment.Length < best.Segment.Length))
                {
                    best = entry;
                }
            }

            if (best is null)
            {
                best = new Entry(SharedSegment.Create(folder, tag, length));
                entries.Add(best);
                created++;
            }

            best.Holders.Clear();
            best.Holders.UnionWith(targets);
            best.Pushing = true;
            best.Segment.AddReference();
            Trim();
            return best.Segment;
        }
    }

    /// <summary>The push through <paramref name="segment"/> has finished (every target stored it, failed or died, or it was never sent): its lease ends.</summary>
    public void PushFinished(SharedSegment segment)
    {
        Update(e => e.Segment == segment, e => e.Pushing = false);
        segment.Release();
    }

    /// <summary>Engine <paramref name="engineId"/> no longer maps the segment at <paramref name="path"/>.</summary>
    public void Released(int engineId, string path) => Update(e => e.Segment.Path == path, e => e.Holders.Remove(engineId));

    /// <summary>Engine <paramref name="engineId"/> died: it holds nothing any more.</summary>
    public void EngineGone(int engineId) => Update(_ => true, e => e.Holders.Remove(engineId));

    /// <summary>Deletes every segment and rents no more (cluster disposal); a push still writing keeps its mapping until it finishes.</summary>
    public void DeleteAll()
    {
        lock (gate)
        {
            closed = true;
            foreach (var entry in entries)
            {
                entry.Segment.Delete();
                entry.Segment.Release();
            }

            entries.Clear();
        }
    }

    private void Update(Func<Entry, bool> which, Action<Entry> change)
    {
        lock (gate)
        {
            foreach (var entry in entries)
            {
                if (which(entry))
                {
                    change(entry);
                }
            }

            Trim();
        }
    }

    /// <summary>
    /// Keeps at most <see cref="Capacity"/> segments: idle ones go first, then ones engines still map
    /// (deleting the file is safe for them: a mapping outlives its name). A segment being pushed stays.
    /// </summary>
    private void Trim()
    {
        foreach (var idleFirst in (bool[])[true, false])
        {
            for (var i = 0; i < entries.Count && entries.Count > Capacity; i++)
            {
                if (!entries[i].Pushing && (entries[i].Idle || !idleFirst))
                {
                    entries[i].Segment.Delete();
                    entries[i].Segment.Release();
                    entries.RemoveAt(i--);
                }
            }
        }
    }

    private sealed class Entry(SharedSegment segment)
    {
        public SharedSegment Segment { get; } = segment;

        public HashSet<int> Holders { get; } = [];

        public bool Pushing { get; set; }

        public bool Idle => !Pushing && Holders.Count == 0;
    }
}
