using System.Collections.Concurrent;

namespace Parallax.Engines.Silos;

/// <summary>
/// Data larger than one message, held on an engine: uploads being received (a push's values, a call's
/// large arguments) and results parked until the client has downloaded them. Each is one contiguous
/// buffer that chunks are copied into or read from at their offsets, in any order. What a client
/// abandons (it died mid-transfer) is dropped after <see cref="Abandoned"/>.
/// </summary>
internal sealed class Transfers
{
    /// <summary>
    /// The most data one message carries. Orleans refuses (and drops the connection over) a message
    /// above MessagingOptions.MaxMessageBodySize, 100 MiB; a few chunks of this size in flight keep a
    /// connection busy without holding much memory on either side.
    /// </summary>
    public const int ChunkBytes = 8 << 20;

    /// <summary>
    /// The most data that travels inside a grain call or reply. More goes through the silo's data port
    /// (<see cref="DataPort"/>), or in chunks of <see cref="ChunkBytes"/> for a client that has none:
    /// Orleans' transport carries bulk data slowly (see <see cref="DataPort"/>).
    /// </summary>
    public const int InlineBytes = 256 << 10;

    /// <summary>How long an upload or parked result may sit untouched before it is taken for abandoned.</summary>
    public static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<Guid, Entry> entries = new();

    /// <summary>Copies <paramref name="chunk"/> to <paramref name="offset"/> of upload <paramref name="id"/>, creating it (<paramref name="total"/> bytes) on its first chunk.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk lies outside the upload, or the upload was begun with another total.</exception>
    public void Write(Guid id, long total, long offset, ReadOnlySpan<byte> chunk)
    {
        Sweep();
        if (total < 0 || total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(total), total, $"An upload holds at most {Array.MaxLength} bytes.");
        }

        var entry = entries.GetOrAdd(id, static (_, size) => new Entry(GC.AllocateUninitializedArray<byte>((int)size)), total);
        if (entry.Buffer.Length != total || offset < 0 || offset + chunk.Length > total)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A chunk of {chunk.Length} bytes at {offset} does not fit upload {id} of {entry.Buffer.Length} bytes (announced now as {total}).");
        }

        chunk.CopyTo(entry.Buffer.AsSpan((int)offset));
        entry.Touch();
        Interlocked.Add(ref entry.Count, chunk.Length);
    }

    /// <summary>
    /// Reads the whole of upload <paramref name="id"/> (<paramref name="length"/> bytes of <paramref name="total"/>,
    /// from its start) straight from <paramref name="source"/> into its buffer: no chunk arrays, no copy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The sizes do not fit; nothing is read.</exception>
    /// <exception cref="IOException">The stream ended or failed before the last byte; the upload is forgotten.</exception>
    public async Task WriteFromAsync(Guid id, long total, long length, Stream source)
    {
        Sweep();
        if (total < 0 || total > Array.MaxLength || length != total)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"An upload sent whole is {total} bytes long, at most {Array.MaxLength}; {length} were announced.");
        }

        var entry = entries.GetOrAdd(id, static (_, size) => new Entry(GC.AllocateUninitializedArray<byte>((int)size)), total);
        if (entry.Buffer.Length != total)
        {
            throw new ArgumentOutOfRangeException(nameof(total), total, $"Upload {id} was begun with {entry.Buffer.Length} bytes.");
        }

        try
        {
            await source.ReadExactlyAsync(entry.Buffer.AsMemory(0, (int)length)).ConfigureAwait(false);
        }
        catch
        {
            // Cut short, or a record that failed its authentication: the upload is refused whole, never taken in part.
            entries.TryRemove(id, out _);
            throw;
        }

        entry.Touch();
        Interlocked.Add(ref entry.Count, length);
    }

    /// <summary>Takes upload <paramref name="id"/> once all its bytes arrived.</summary>
    /// <exception cref="InvalidOperationException">It is unknown, or not complete.</exception>
    public byte[] Take(Guid id)
    {
        if (!entries.TryRemove(id, out var entry))
        {
            throw new InvalidOperationException($"No upload {id} is held by this engine: its client dropped it, its transfer was cut short or refused, or it was abandoned for {Abandoned}.");
        }

        return Volatile.Read(ref entry.Count) == entry.Buffer.Length
            ? entry.Buffer
            : throw new InvalidOperationException($"Upload {id} holds {Volatile.Read(ref entry.Count)} of {entry.Buffer.Length} bytes: a chunk was lost.");
    }

    /// <summary>Keeps <paramref name="data"/> for the client to read with <see cref="Read"/>; returns its id.</summary>
    public Guid Park(ReadOnlyMemory<byte> data)
    {
        Sweep();
        var id = Guid.NewGuid();
        entries[id] = new Entry(null!) { Parked = data };
        return id;
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> of parked result <paramref name="id"/>.</summary>
    /// <exception cref="InvalidOperationException">It is unknown (dropped or abandoned).</exception>
    public ReadOnlyMemory<byte> Read(Guid id, long offset, int length)
    {
        if (!entries.TryGetValue(id, out var entry) || entry.Buffer is not null)
        {
            throw new InvalidOperationException($"No result {id} is parked on this engine: it was read and dropped, or abandoned for {Abandoned}.");
        }

        entry.Touch();
        return entry.Parked.Slice((int)offset, length);
    }

    /// <summary>Forgets upload or parked result <paramref name="id"/>.</summary>
    public void Drop(Guid id) => entries.TryRemove(id, out _);

    /// <summary>Gets how many uploads and parked results are held.</summary>
    public int Count => entries.Count;

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (id, entry) in entries)
        {
            if (now - Volatile.Read(ref entry.Touched) > (long)Abandoned.TotalMilliseconds)
            {
                entries.TryRemove(id, out _);
            }
        }
    }

    private sealed class Entry(byte[] buffer)
    {
        public long Count;
        public long Touched = Environment.TickCount64;

        public byte[] Buffer { get; } = buffer;

        public ReadOnlyMemory<byte> Parked { get; init; }

        public void Touch() => Volatile.Write(ref Touched, Environment.TickCount64);
    }
}
