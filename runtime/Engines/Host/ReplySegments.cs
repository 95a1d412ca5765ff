using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// The shared-memory segments an engine writes large results into, kept and reused. On a virtual
/// machine the first write to a page costs far more than the copy itself (the hypervisor backs it
/// on demand), so a 200 MB result written into a fresh segment costs several times one written into
/// pages that already hold an earlier result. The client marks a segment free by renaming it to
/// <c>&lt;path&gt;.free</c> once it has read it; the engine renames it back when it reuses it. A
/// segment the client has not released is never touched. At most <see cref="Capacity"/> released segments are
/// kept; the engine deletes them when it exits, and <see cref="Cluster"/> deletes any left behind
/// (a restart, those of the engine it replaces). The files lie in the cluster's private folder and
/// are named <c>e&lt;engine id&gt;-&lt;random&gt;</c>.
/// </summary>
internal sealed class ReplySegments(string folder, int engineId)
{
    /// <summary>How many segments one engine keeps: a pull at a time, plus one in flight.</summary>
    public const int Capacity = 2;

    private readonly List<SharedSegment> kept = [];
    private readonly Dictionary<SharedSegment, object> readers = [];
    private readonly Lock gate = new();

    /// <summary>A segment of at least <paramref name="length"/> bytes that no reader holds, for <paramref name="reader"/> (the connection the reply goes to); the caller releases it after replying.</summary>
    public SharedSegment Rent(long length, object reader)
    {
        lock (gate)
        {
            var rented = RentCore(length);
            readers[rented] = reader;
            return rented;
        }
    }

    /// <summary>
    /// The connection <paramref name="reader"/> closed: segments it was sent and never handed back are
    /// removed. Clients of a standing cluster come and go (one killed with -9 releases nothing); without
    /// this, each would leave its last large results pinned in /dev/shm for the engine's lifetime. The name
    /// goes and the pages stay for a reader that still maps them, so nothing is written under it.
    /// </summary>
    public void Abandon(object reader)
    {
        lock (gate)
        {
            for (var i = 0; i < kept.Count; i++)
            {
                var segment = kept[i];
                if (readers.TryGetValue(segment, out var holder) && holder == reader && File.Exists(segment.Path))
                {
                    segment.Delete();
                    segment.Release();
                    readers.Remove(segment);
                    kept.RemoveAt(i--);
                }
            }
        }
    }

    private SharedSegment RentCore(long length)
    {
        // Called under the gate.
        // Smallest free segment that fits, so a small result does not take the big one.
        SharedSegment? best = null;
        foreach (var segment in kept)
        {
            if (segment.Length >= length && (best is null || segment.Length < best.Length) && File.Exists(segment.Path + SharedSegment.FreeSuffix))
            {
                best = segment;
            }
        }

        if (best is not null && best.TryReclaim())
        {
            best.AddReference();
            return best;
        }

        var created = SharedSegment.Create(folder, Tag(engineId), length);
        kept.Add(created);
        created.AddReference();

        // Over capacity: drop released segments, oldest first; ones a reader still holds stay until released.
        // Released means the reclaim works (the move fails unless the .free name is there and the own
        // name is not): then the one name to remove is certainly this segment's.
        for (var i = 0; i < kept.Count - 1 && kept.Count > Capacity; i++)
        {
            if (kept[i].TryReclaim())
            {
                kept[i].Unlink();
                kept[i].Release();
                readers.Remove(kept[i]);
                kept.RemoveAt(i--);
            }
        }

        return created;
    }

    /// <summary>Deletes the reply segments engine <paramref name="engineId"/> left in <paramref name="folder"/> (it was killed; a new engine takes its id).</summary>
    public static void DeleteLeftovers(string folder, int engineId)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(folder, Tag(engineId) + "-*"))
            {
                SharedSegment.TryDelete(file);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder is gone (the cluster is being disposed).
        }
    }

    private static string Tag(int engineId) => $"e{engineId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Deletes every kept segment (engine exit).</summary>
    public void DeleteAll()
    {
        lock (gate)
        {
            foreach (var segment in kept)
            {
                segment.Delete();
            }

            kept.Clear();
            readers.Clear();
        }
    }
}
