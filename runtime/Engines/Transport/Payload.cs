using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MemoryPack;

namespace Parallax.Engines.Transport;

/// <summary>
/// Data to send: bytes already serialized, or a value still to serialize whose size is known in
/// advance (arrays of primitives). The latter is serialized straight into the shared-memory segment,
/// so a 200 MB matrix is written once, not into a buffer, then an array, then the segment: on a
/// virtual machine where every first touch of a page is expensive, that is most of the cost.
/// </summary>
internal readonly struct Payload
{
    private readonly Action<IBufferWriter<byte>>? write;

    private Payload(ReadOnlyMemory<byte> bytes, Action<IBufferWriter<byte>>? write, long sizeBound, SharedSegment? segment = null)
    {
        Bytes = bytes;
        this.write = write;
        SizeBound = sizeBound;
        Segment = segment;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The shared-memory segment <see cref="Bytes"/> lie in, when the sender wrote them there already (an engine's written matrix): a reply can name the range instead of copying it.</summary>
    public SharedSegment? Segment { get; }

    /// <summary>The exact size of <see cref="Bytes"/>, or an upper bound of the serialized value.</summary>
    public long SizeBound { get; }

    public bool IsSerialized => write is null;

    /// <summary>
    /// The most bytes one serialized value (and one push or reply) can take: MemoryPack reads and writes
    /// through spans, and a shared-memory segment is one span.
    /// </summary>
    public const long MaxSize = int.MaxValue;

    public static Payload FromBytes(ReadOnlyMemory<byte> bytes) => new(bytes, null, bytes.Length);

    /// <summary>Serialized bytes that lie in <paramref name="segment"/> (<paramref name="bytes"/> is a slice of its memory).</summary>
    public static Payload InSegment(SharedSegment segment, ReadOnlyMemory<byte> bytes) => new(bytes, null, bytes.Length, segment);

    /// <summary>A value of type <paramref name="type"/>: deferred when its size is known, serialized now otherwise.</summary>
    /// <exception cref="NotSupportedException">The value serializes to more than <see cref="MaxSize"/> bytes.</exception>
    public static Payload FromValue(Type type, object? value)
    {
        RefuseLossy(type);
        if (value is not Array array || !array.GetType().GetElementType()!.IsPrimitive)
        {
            return FromBytes(MemoryPackSerializer.Serialize(type, value));
        }

        // In long: a 2 GiB array's size plus its header does not fit in an int.
        var size = (array.LongLength * ElementSize(array.GetType().GetElementType()!)) + ArrayHeaderSize(array.Rank);
        return new(default, w => MemoryPackSerializer.Serialize(type, w, value), Bound(size, type));
    }

    /// <summary>MemoryPack's header of an array: the length for T[]; a member count, every length and the element count for T[,] and up.</summary>
    private static int ArrayHeaderSize(int rank) => rank == 1 ? 4 : 1 + (4 * rank) + 4;

    private static int ElementSize(Type primitive) => Type.GetTypeCode(primitive) switch
    {
        TypeCode.Boolean or TypeCode.Byte or TypeCode.SByte => 1,
        TypeCode.Char or TypeCode.Int16 or TypeCode.UInt16 => 2,
        TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Single => 4,
        TypeCode.Int64 or TypeCode.UInt64 or TypeCode.Double => 8,
        _ => IntPtr.Size, // nint and nuint, the other primitives
    };

    /// <summary>
    /// The bound a deferred value is written within: its exact size, with room to spare for MemoryPack
    /// asking for more than it writes, never over <see cref="MaxSize"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">The exact size is over <see cref="MaxSize"/>: refused before anything is written or sent.</exception>
    private static long Bound(long size, Type type) => size <= MaxSize ? Math.Min(size + 64, MaxSize) : throw TooLarge(type, size);

    private static NotSupportedException TooLarge(Type type, long size) => new(
        $"A {type} of {size} bytes is larger than the {MaxSize} bytes one value can take (MemoryPack reads and writes through spans). " +
        "Split it: Scatter it over the engines, or push it in parts of at most 2 GiB.");

    /// <summary>
    /// Throws for types MemoryPack would silently corrupt: 1.21.4 turns every BigInteger into 0 (the
    /// generator refuses it in captures and results, PAR2002–2004; this covers push and pull).
    /// </summary>
    public static void RefuseLossy(Type type)
    {
        if (Contains(type, typeof(System.Numerics.BigInteger)))
        {
            throw new NotSupportedException($"{type} holds a System.Numerics.BigInteger, which MemoryPack 1.21.4 turns into 0; Parallax refuses it rather than lose it. Send value.ToByteArray() and rebuild it with new BigInteger(bytes).");
        }

        static bool Contains(Type type, Type lossy) =>
            type == lossy ||
            (type.IsArray && Contains(type.GetElementType()!, lossy)) ||
            (type.IsGenericType && type.GetGenericArguments().Any(a => Contains(a, lossy)));
    }

    /// <summary>
    /// Elements <paramref name="start"/> .. +<paramref name="count"/> of <paramref name="source"/>, as
    /// MemoryPack serializes a <c>T[]</c> holding them, written straight from the source array: a
    /// scatter never copies its blocks into arrays of their own first.
    /// </summary>
    public static Payload FromSlice<T>(T[] source, int start, int count)
    {
        if (!typeof(T).IsPrimitive || count == 0)
        {
            return FromValue(typeof(T[]), source.AsSpan(start, count).ToArray());
        }

        return new(default, w =>
        {
            BitConverter.TryWriteBytes(w.GetSpan(4), count);
            w.Advance(4);
            WriteRaw(w, MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref source[start]), checked(count * Unsafe.SizeOf<T>())));
        }, Bound(((long)count * Unsafe.SizeOf<T>()) + ArrayHeaderSize(1), typeof(T[])));
    }

    /// <summary>
    /// Rows <paramref name="firstRow"/> .. +<paramref name="rows"/> of <paramref name="source"/>, as
    /// MemoryPack serializes a <c>T[rows, columns]</c> holding them (member count 3, both lengths, the
    /// element count, then the elements), written straight from the source matrix.
    /// </summary>
    public static Payload FromRows<T>(T[,] source, int firstRow, int rows)
    {
        var columns = source.GetLength(1);
        var count = (long)rows * columns;
        if (!typeof(T).IsPrimitive || count == 0)
        {
            var block = new T[rows, columns];
            Array.Copy(source, (long)firstRow * columns, block, 0, count);
            return FromValue(typeof(T[,]), block);
        }

        return new(default, w =>
        {
            var header = w.GetSpan(13);
            header[0] = 3;
            BitConverter.TryWriteBytes(header[1..], rows);
            BitConverter.TryWriteBytes(header[5..], columns);
            BitConverter.TryWriteBytes(header[9..], checked((int)count));
            w.Advance(13);
            var size = Unsafe.SizeOf<T>();
            ref var first = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(source), (nint)firstRow * columns * size);
            WriteRaw(w, MemoryMarshal.CreateReadOnlySpan(ref first, checked((int)count * size)));
        }, Bound((count * Unsafe.SizeOf<T>()) + ArrayHeaderSize(2), typeof(T[,])));
    }

    /// <summary>Copies bytes into a buffer writer in pieces it can hand out.</summary>
    private static void WriteRaw(IBufferWriter<byte> writer, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = writer.GetSpan(Math.Min(bytes.Length, 1 << 20));
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            writer.Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>Writes the payload at <paramref name="offset"/> of <paramref name="segment"/>; returns the bytes written.</summary>
    public long WriteTo(SharedSegment segment, long offset)
    {
        if (write is null)
        {
            Bytes.Span.CopyTo(segment.Span[(int)offset..]);
            return Bytes.Length;
        }

        var writer = new SegmentWriter(segment, offset, SizeBound);
        write(writer);
        return writer.Written;
    }

    /// <summary>The serialized bytes, serializing now if the value was deferred.</summary>
    public ReadOnlyMemory<byte> ToBytes()
    {
        if (write is null)
        {
            return Bytes;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(SizeBound, int.MaxValue));
        write(buffer);
        return buffer.WrittenMemory;
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over a window of a segment that never grows: the size bound guarantees room.</summary>
    private sealed class SegmentWriter(SharedSegment segment, long start, long capacity) : IBufferWriter<byte>
    {
        public long Written { get; private set; }

        public void Advance(int count) => Written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => segment.Memory.Slice((int)(start + Written), Room(sizeHint));

        public Span<byte> GetSpan(int sizeHint = 0) => segment.Span.Slice((int)(start + Written), Room(sizeHint));

        private int Room(int sizeHint)
        {
            var room = (int)(capacity - Written);
            return room >= sizeHint
                ? room
                : throw new InvalidOperationException($"Serialization needed {sizeHint} bytes more than the {capacity}-byte bound computed for it; this is a Parallax bug, please report it with the value's type.");
        }
    }
}
