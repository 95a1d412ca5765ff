using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MemoryPack;

namespace Parallax.Engines;

/// <summary>
/// Deserializes large arrays of primitives into memory whose pages are faulted in by one system call
/// before the copy. A new 200 MB array is fresh memory, and on a virtual machine each first touch of
/// a page traps to the hypervisor: taking them one by one during the copy costs about twice as much
/// as asking Linux for all of them first (madvise MADV_POPULATE_WRITE, Linux 5.14+). Everything else,
/// and every other system, goes straight to MemoryPack.
/// </summary>
internal static partial class LargeArrays
{
    /// <summary>Below this, page faults are not worth a system call.</summary>
    private const int Threshold = 4 << 20;

    private const int MadvPopulateWrite = 23;

    public static T? Deserialize<T>(ReadOnlySpan<byte> data)
    {
        if (data.Length < Threshold || !OperatingSystem.IsLinux() || !typeof(T).IsArray || Allocate(typeof(T), data) is not { } array)
        {
            return MemoryPackSerializer.Deserialize<T>(data);
        }

        Prefault(array);
        var value = (T?)(object)array;

        // MemoryPack fills an existing array of the right shape in place instead of allocating one.
        MemoryPackSerializer.Deserialize(data, ref value);
        return value;
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
            const nuint page = 4096;
            var first = ((nuint)start + page - 1) & ~(page - 1);
            var end = ((nuint)start + bytes) & ~(page - 1);
            if (end > first)
            {
                // Best effort: an older kernel answers EINVAL and the copy faults the pages in as usual.
                _ = Madvise((nint)first, end - first, MadvPopulateWrite);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
