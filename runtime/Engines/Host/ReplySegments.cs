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

    /// <summary>Segments variables hold (written matrices), each with whether a pull has named it since it was taken.</summary>
    private readonly Dictionary<SharedSegment, bool> held = [];

    /// <summary>The connection each segment was last sent to (rented for its reply or handed out by a pull).</summary>
    private readonly Dictionary<SharedSegment, object> readers = [];
    private readonly Lock gate = new();

    /// <summary>A segment of at least <paramref name="length"/> bytes that no reader holds, for <paramref name="reader"/> (the connection the reply goes to); the caller releases it after replying.</summary>
    public SharedSegment Rent(long length, object reader)
    {
        lock (gate)
        {
            SharedSegment rented;
            if (TakeFree(length) is { } free)
            {
                rented = free;
            }
            else
            {
                rented = SharedSegment.Create(folder, Tag(engineId), length);
                kept.Add(rented);
                Trim();
            }

            rented.AddReference();
            readers[rented] = reader;
            return rented;
        }
    }

    /// <summary>
    /// A segment for a matrix engine code writes and a variable keeps (<see cref="EngineNamespace.CreateMatrix{T}"/>):
    /// a released one whose pages are backed already, else a new one. It leaves the pool until
    /// <see cref="ReturnValue"/>; pulls name it (<see cref="TryHandOut"/>) instead of copying it.
    /// </summary>
    /// <returns>The segment, and whether it held data before (it is not zero).</returns>
    public (SharedSegment Segment, bool Reused) TakeForValue(long length)
    {
        lock (gate)
        {
            if (TakeFree(length) is { } free)
            {
                kept.Remove(free);
                readers.Remove(free);
                held[free] = false;
                return (free, true);
            }

            var created = SharedSegment.Create(folder, Tag(engineId), length);
            held[created] = false;
            return (created, false);
        }
    }

    /// <summary>
    /// Lets a pull name a value's segment in its reply to <paramref name="reader"/>: the client maps it,
    /// reads it and marks it free, as any reply segment. False while an earlier pull's reader has not
    /// marked it free yet (the caller copies the value into a reply segment instead).
    /// </summary>
    public bool TryHandOut(SharedSegment segment, object reader)
    {
        lock (gate)
        {
            if (!held.TryGetValue(segment, out var handedOut) || (handedOut && !segment.TryReclaim()))
            {
                return false;
            }

            held[segment] = true;
            readers[segment] = reader;
            return true;
        }
    }

    /// <summary>Takes back a value's segment (the variable let go of it) into the pool, reusable once no pull's reader holds it.</summary>
    public void ReturnValue(SharedSegment segment)
    {
        lock (gate)
        {
            if (!held.Remove(segment, out var handedOut))
            {
                return;
            }

            if (!handedOut)
            {
                // No reader was ever told of it: free now, as a reader would have marked it.
                segment.MarkFree();
            }

            kept.Add(segment);
            Trim();
        }
    }

    /// <summary>
    /// The connection <paramref name="reader"/> closed: segments it was sent and never handed back are
    /// removed. Clients of a standing cluster come and go (one killed with -9 releases nothing); without
    /// this, each would leave its last large results pinned in /dev/shm for the engine's lifetime. The name
    /// goes and the pages stay for a reader that still maps them, so nothing is written under it. A
    /// variable's segment stays (engine code still uses it): the next pull may name it again.
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

            foreach (var segment in held.Keys.ToArray())
            {
                if (readers.TryGetValue(segment, out var holder) && holder == reader && (File.Exists(segment.Path) || segment.TryReclaim()))
                {
                    held[segment] = false;
                    readers.Remove(segment);
                }
            }
        }
    }

    /// <summary>The smallest released segment that fits, taken back from its reader; so a small result does not take the big one. Called under the gate.</summary>
    private SharedSegment? TakeFree(long length)
    {
        SharedSegment? best = null;
        foreach (var segment in kept)
        {
            if (segment.Length >= length && (best is null || segment.Length < best.Length) && File.Exists(segment.Path + SharedSegment.FreeSuffix))
            {
                best = segment;
            }
        }

        return best is not null && best.TryReclaim() ? best : null;
    }

    /// <summary>
    /// Over capacity: drops released segments, oldest first; ones a reader still holds stay until released.
    /// Released means the reclaim works (the move fails unless the .free name is there and the own
    /// name is not): then the one name to remove is certainly this segment's. Called under the gate.
    /// </summary>
    private void Trim()
    {
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
            foreach (var segment in kept.Concat(held.Keys))
            {
                segment.Delete();
            }

            kept.Clear();
            held.Clear();
            readers.Clear();
        }
    }
}
