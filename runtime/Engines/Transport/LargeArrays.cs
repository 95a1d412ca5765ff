using System.Runtime.InteropServices;
using MemoryPack;

namespace Parallax.Engines;

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
    /// Copies a serialized <c>T[]</c> or <c>T[,]</c> of primitives into <paramref name="destination"/>,
    /// an array of the same element type and shape; false (nothing written) when the shapes differ, with
    /// the serialized shape in <paramref name="shape"/>.
    /// </summary>
    public static bool TryCopyInto(ReadOnlySpan<byte> data, Array destination, out string shape)
    {
        // MemoryPack's header: T[] is its length (-1 for null); T[,] is member count 3, both lengths, element count.
        var (rows, columns, header) = destination.Rank == 1
            ? (data.Length >= 4 ? BitConverter.ToInt32(data) : -1, 1, 4)
            : (data.Length >= 13 && data[0] == 3 ? BitConverter.ToInt32(data[1..]) : -1, data.Length >= 13 && data[0] == 3 ? BitConverter.ToInt32(data[5..]) : -1, 13);
        shape = rows < 0 ? "null or not an array of that rank" : destination.Rank == 1 ? $"[{rows}]" : $"[{rows}, {columns}]";
        var bytes = Buffer.ByteLength(destination);
        if (rows != destination.GetLength(0) || (destination.Rank == 2 && columns != destination.GetLength(1)) || data.Length - header != bytes)
        {
            return false;
        }

        unsafe
        {
            fixed (byte* start = &MemoryMarshal.GetArrayDataReference(destination))
            {
                data[header..].CopyTo(new Span<byte>(start, bytes));
            }
        }

        return true;
    }

    /// <summary>An array shaped as MemoryPack's header says (T[]: length; T[,]: member count 3, both lengths), or null.</summary>
    private static Array? Allocate(Type arrayType, ReadOnlySpan<byte> data)
    {
        var element = arrayType.GetElementType()!;
        if (!element.IsPrimitive)
        {
            return null;
        }

        switch (arrayType.GetArrayRank())
        {
            case 1:
            {
                var length = BitConverter.ToInt32(data);
                return length > 0 ? Array.CreateInstance(element, length) : null;
            }

            case 2 when data.Length >= 13 && data[0] == 3:
            {
                var rows = BitConverter.ToInt32(data[1..]);
                var columns = BitConverter.ToInt32(data[5..]);
                return rows > 0 && columns > 0 && (long)rows * columns == BitConverter.ToInt32(data[9..]) ? Array.CreateInstance(element, rows, columns) : null;
            }

            default:
                return null;
        }
    }

    private static unsafe void Prefault(Array array)
    {
        var bytes = (nuint)array.LongLength * (nuint)Marshal.SizeOf(array.GetType().GetElementType()!);
        fixed (byte* start = &MemoryMarshal.GetArrayDataReference(array))
        {
            PageFaults.Populate(start, bytes, write: true);
        }
    }
}
