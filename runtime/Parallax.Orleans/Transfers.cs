using System.Collections.Concurrent;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// Data larger than one message, held on an engine: uploads being received (a push's values, a call's
/// large arguments) and results parked until the client has downloaded them. Each is one contiguous
/// buffer that chunks are copied into or read from at their offsets, in any order. What a client
/// abandons (it died mid-transfer) is dropped after <see cref="Abandoned"/>.
/// <para>
/// Upload buffers are reused (<see cref="BufferPool"/>). A push's values stay in the buffer they
/// arrived in (the namespace holds it, reference counted, until they are replaced or read), and first
/// touch of fresh memory is most of a large push on this machine (400 MB of new pages per engine per
/// push; docs/engines.md), so a buffer whose values are all gone takes the next upload that fits,
/// with its pages warm. A large result is serialized into one too (<see cref="Park(Payload)"/>).
/// </para>
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
    private readonly Lock gate = new();
    private readonly BufferPool buffers = new();

    /// <summary>Copies <paramref name="chunk"/> to <paramref name="offset"/> of upload <paramref name="id"/>, creating it (<paramref name="total"/> bytes) on its first chunk.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk lies outside the upload, or the upload was begun with another total.</exception>
    public void Write(Guid id, long total, long offset, ReadOnlySpan<byte> chunk)
    {
        Sweep();
        var entry = Begin(id, total);
        if (offset < 0 || offset + chunk.Length > total)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"A chunk of {chunk.Length} bytes at {offset} does not fit upload {id} of {entry.Data.Length} bytes.");
        }

        chunk.CopyTo(entry.Segment!.Span[(int)offset..]);
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
        if (length != total)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"An upload sent whole is {total} bytes long; {length} were announced.");
        }

        var entry = Begin(id, total);
        try
        {
            await source.ReadExactlyAsync(entry.Segment!.Memory[..(int)length]).ConfigureAwait(false);
        }
        catch
        {
            // Cut short, or a record that failed its authentication: the upload is refused whole, never taken in part.
            Drop(id);
            throw;
        }

        entry.Touch();
        Interlocked.Add(ref entry.Count, length);
    }

    /// <summary>
    /// Takes upload <paramref name="id"/> once all its bytes arrived: its bytes, and the buffer they lie in
    /// with a reference for the caller, who hands it on to the values it keeps and then releases it.
    /// </summary>
    /// <exception cref="InvalidOperationException">It is unknown, or not complete.</exception>
    public (ReadOnlyMemory<byte> Bytes, SharedSegment Buffer) Take(Guid id)
    {
        if (!entries.TryRemove(id, out var entry) || entry.Segment is null)
        {
            throw new InvalidOperationException($"No upload {id} is held by this engine: its client dropped it, its transfer was cut short or refused, or it was abandoned for {Abandoned}.");
        }

        if (Volatile.Read(ref entry.Count) != entry.Data.Length)
        {
            entry.Segment.Release();
            throw new InvalidOperationException($"Upload {id} holds {Volatile.Read(ref entry.Count)} of {entry.Data.Length} bytes: a chunk was lost.");
        }

        return (entry.Data, entry.Segment);
    }

    /// <summary>Keeps <paramref name="data"/> for the client to read with <see cref="Read"/>; returns its id. Data in an upload buffer (a pushed value pulled back) holds the buffer until dropped.</summary>
    public Guid Park(ReadOnlyMemory<byte> data)
    {
        Sweep();
        var id = Guid.NewGuid();
        System.Runtime.InteropServices.MemoryMarshal.TryGetMemoryManager(data, out SharedSegment? segment);
        segment?.AddReference();
        entries[id] = new Entry(segment, data, isUpload: false);
        return id;
    }

    /// <summary>
    /// Parks a result larger than a message: one that is serialized already as it is (<see cref="Park(ReadOnlyMemory{byte})"/>),
    /// a value still to serialize straight into a kept buffer (a pull of a large array writes into warm pages, not 200 MB of new ones each time).
    /// </summary>
    /// <returns>The parked result's id and length.</returns>
    public (Guid Id, long Length) Park(Payload result)
    {
        if (result.IsSerialized)
        {
            return (Park(result.Bytes), result.Bytes.Length);
        }

        var buffer = buffers.Rent((int)result.SizeBound);
        long written;
        try
        {
            written = result.WriteTo(buffer, 0);
        }
        catch
        {
            buffer.Release();
            throw;
        }

        Sweep();
        var id = Guid.NewGuid();
        entries[id] = new Entry(buffer, buffer.Memory[..(int)written], isUpload: false);
        return (id, written);
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/> of parked result <paramref name="id"/>.</summary>
    /// <exception cref="InvalidOperationException">It is unknown (dropped or abandoned).</exception>
    public ReadOnlyMemory<byte> Read(Guid id, long offset, int length)
    {
        if (!entries.TryGetValue(id, out var entry) || entry.IsUpload)
        {
            throw new InvalidOperationException($"No result {id} is parked on this engine: it was read and dropped, or abandoned for {Abandoned}.");
        }

        entry.Touch();
        return entry.Data.Slice((int)offset, length);
    }

    /// <summary>Forgets upload or parked result <paramref name="id"/>.</summary>
    public void Drop(Guid id)
    {
        if (entries.TryRemove(id, out var entry))
        {
            entry.Segment?.Release();
        }
    }

    /// <summary>Gets how many uploads and parked results are held.</summary>
    public int Count => entries.Count;

    /// <summary>Gets how many upload buffers are kept (in use or free).</summary>
    public int Buffers => buffers.Count;

    /// <summary>The entry of upload <paramref name="id"/>, made with a buffer of <paramref name="total"/> bytes on its first chunk.</summary>
    private Entry Begin(Guid id, long total)
    {
        if (total is <= 0 or > int.MaxValue || total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(total), total, $"An upload holds 1 to {Array.MaxLength} bytes.");
        }

        lock (gate)
        {
            if (!entries.TryGetValue(id, out var entry))
            {
                var buffer = buffers.Rent((int)total);
                entry = new Entry(buffer, buffer.Memory[..(int)total], isUpload: true);
                entries[id] = entry;
            }

            return entry.IsUpload && entry.Data.Length == total
                ? entry
                : throw new ArgumentOutOfRangeException(nameof(total), total, $"Upload {id} was begun with {entry.Data.Length} bytes.");
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (id, entry) in entries)
        {
            if (now - Volatile.Read(ref entry.Touched) > (long)Abandoned.TotalMilliseconds)
            {
                Drop(id);
            }
        }

    }

    /// <summary>An upload (its buffer, which it holds a reference to) or a parked result (and the buffer it lies in, if any).</summary>
    private sealed class Entry(SharedSegment? segment, ReadOnlyMemory<byte> data, bool isUpload)
    {
        public long Count;
        public long Touched = Environment.TickCount64;

        public SharedSegment? Segment => segment;

        public ReadOnlyMemory<byte> Data => data;

        public bool IsUpload => isUpload;

        public void Touch() => Volatile.Write(ref Touched, Environment.TickCount64);
    }
}
