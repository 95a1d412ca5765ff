using System.Runtime.InteropServices;
using MemoryPack;

namespace Parallax.Engines.Transport;

/// <summary>
/// Deserializes large arrays of primitives into memory whose pages are faulted in by one system call
/// before the copy (<see cref="PageFaults"/>): a new 200 MB array is fresh memory. Everything else,
/// and every other system, goes straight to MemoryPack.
/// </summary>
internal static class LargeArrays
{
    public static T? Deserialize<T>(ReadOnlySpan<byte> data)
    {
        if (data.Length < PageFaults.Threshold || !OperatingSystem.IsLinux() || !typeof(T).IsArray || Allocate(typeof(T), data) is not { } array)
        {
            return MemoryPackSerializer.Deserialize<T>(data);
        }

        Prefault(array);
        var value = (T?)(object)array;

        // MemoryPack fills an existing array of the right shape in place instead of allocating one.
        MemoryPackSerializer.Deserialize(data, ref value);
        return value;
    }

    /// <summary>
    /// The shape MemoryPack's header gives a serialized <c>T[]</c> (its length) or <c>T[,]</c> (member
    /// count 3, both lengths, the element count), with the header's size in bytes; null when the bytes
    /// do not start with such a header (a null array among them).
    /// </summary>
    public static (int Rows, int Columns, int Header)? ReadShape(ReadOnlySpan<byte> data, int rank) => rank switch
    {
        1 when data.Length >= 4 && BitConverter.ToInt32(data) is var length and >= 0 => (length, 1, 4),
        2 when data.Length >= 13 && data[0] == 3 && BitConverter.ToInt32(data[1..]) is var rows and >= 0 && BitConverter.ToInt32(data[5..]) is var columns and >= 0
            && (long)rows * columns == BitConverter.ToInt32(data[9..]) => (rows, columns, 13),
        _ => null,
    };

    /// <summary>
    /// Copies a serialized <c>T[]</c> or <c>T[,]</c> of primitives into <paramref name="destination"/>,
    /// an array of the same element type and shape; false (nothing written) when the shapes differ, with
    /// the serialized shape in <paramref name="shape"/>.
    /// </summary>
    public static bool TryCopyInto(ReadOnlySpan<byte> data, Array destination, out string shape)
    {
        var read = ReadShape(data, destination.Rank);
        shape = read is not var (rows, columns, _) ? "null or not an array of that rank" : destination.Rank == 1 ? $"[{rows}]" : $"[{rows}, {columns}]";
        var bytes = Buffer.ByteLength(destination);
        if (read is not { } s || s.Rows != destination.GetLength(0) || (destination.Rank == 2 && s.Columns != destination.GetLength(1)) || data.Length - s.Header != bytes)
        {
            return false;
        }

        unsafe
        {
            fixed (byte* start = &MemoryMarshal.GetArrayDataReference(destination))
            {
                data[s.Header..].CopyTo(new Span<byte>(start, bytes));
            }
        }

        return true;
    }

    /// <summary>An array shaped as MemoryPack's header says, or null (not primitives, empty, or no such header).</summary>
    private static Array? Allocate(Type arrayType, ReadOnlySpan<byte> data)
    {
        var element = arrayType.GetElementType()!;
        var rank = arrayType.GetArrayRank();
        return !element.IsPrimitive || ReadShape(data, rank) is not { Rows: > 0, Columns: > 0 } shape ? null
            : rank == 1 ? Array.CreateInstance(element, shape.Rows)
            : Array.CreateInstance(element, shape.Rows, shape.Columns);
    }

    private static unsafe void Prefault(Array array)
    {
        var bytes = (nuint)array.LongLength * (nuint)Marshal.SizeOf(array.GetType().GetElementType()!);
        fixed (byte* start = &MemoryMarshal.GetArrayDataReference(array))
        {
            PageFaults.PrepareArray(start, bytes);
        }
    }
}
