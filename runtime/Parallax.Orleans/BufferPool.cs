using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// Large buffers kept for the next transfer, reference counted (<see cref="SharedSegment.InProcess"/>):
/// a buffer is free again once every holder released it (a push's values replaced on a silo, a push's
/// uploads done on the client), and then takes the next transfer that fits with its pages warm. First
/// touch of fresh memory is most of a large transfer's time on this machine (docs/engines.md: Fresh
/// memory), where a copy into mapped pages is a tenth of it. At most <see cref="Limit"/> buffers are
/// kept; one unused for <see cref="Idle"/> goes back to the GC.
/// </summary>
internal sealed class BufferPool
{
    /// <summary>How many buffers are kept, in use or free: a pull from several engines at once needs one each, and a push one more.</summary>
    public const int Limit = 8;

    /// <summary>How long a free buffer is kept unused: long enough for a loop of transfers, short enough not to sit on memory for long.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromMinutes(2);

    private readonly Lock gate = new();
    private readonly Dictionary<SharedSegment, long> kept = [];

    /// <summary>Gets how many buffers are kept (in use or free).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return kept.Count;
            }
        }
    }

    /// <summary>
    /// A buffer of at least <paramref name="length"/> bytes, with one reference for the caller to release:
    /// the smallest free one that fits without being more than twice as large, or a new one.
    /// </summary>
    public SharedSegment Rent(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        lock (gate)
        {
            Trim(Environment.TickCount64);
            SharedSegment? best = null;
            foreach (var buffer in kept.Keys)
            {
                if (!buffer.IsReferencedElsewhere && buffer.Length >= length && buffer.Length / 2 <= length && (best is null || buffer.Length < best.Length))
                {
                    best = buffer;
                }
            }

            if (best is null)
            {
                // Room first: a free buffer too small or too large for this one goes back to the GC.
                foreach (var (buffer, _) in kept.Where(p => !p.Key.IsReferencedElsewhere).OrderBy(p => p.Value).ToArray())
                {
                    if (kept.Count < Limit)
                    {
                        break;
                    }

                    kept.Remove(buffer);
                    buffer.Release();
                }

                best = SharedSegment.InProcess(length);
                if (kept.Count >= Limit)
                {
                    // Every kept buffer is in use: this one serves its transfer and is not kept.
                    return best;
                }
            }

            // The pool's own reference, and the caller's.
            kept[best] = Environment.TickCount64;
            best.AddReference();
            return best;
        }
    }

    /// <summary>Lets free buffers unused for <see cref="Idle"/> go. Under <see cref="gate"/>.</summary>
    private void Trim(long now)
    {
        foreach (var (buffer, used) in kept.ToArray())
        {
            if (!buffer.IsReferencedElsewhere && now - used > (long)Idle.TotalMilliseconds)
            {
                kept.Remove(buffer);
                buffer.Release();
            }
        }
    }
}
