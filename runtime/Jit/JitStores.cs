using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Parallax.CompilerServices;

/// <summary>Stores every lane where it belongs: the main loop's store.</summary>
internal readonly struct DirectStore : IJitStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector512<T> value, ref T destination, nuint index)
        where T : unmanaged => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector256<T> value, ref T destination, nuint index)
        where T : unmanaged => value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector128<T> value, ref T destination, nuint index)
        where T : unmanaged => value.StoreUnsafe(ref destination, index);
}

/// <summary>
/// Stores past the cache, for a large output the loop never reads back. The caller has pinned
/// <c>destination</c> and checked that the main loop's stores are aligned.
/// </summary>
internal readonly unsafe struct NonTemporalStore : IJitStore
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector512<T> value, ref T destination, nuint index)
        where T : unmanaged => Vector512.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector256<T> value, ref T destination, nuint index)
        where T : unmanaged => Vector256.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store<T>(Vector128<T> value, ref T destination, nuint index)
        where T : unmanaged => Vector128.StoreAlignedNonTemporal(value, (T*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index)));
}

/// <summary>
/// Writes only the lanes whose loop index is in [<paramref name="from"/>, <paramref name="to"/>): the
/// first and last vectors of an element-wise loop, which overlap the main loop. The other lanes keep
/// what memory holds, so a lane is never written twice and an in-place call never reads a value it
/// wrote. Lanes are independent in an element-wise loop, so the ones left out may compute anything.
/// </summary>
internal readonly struct EdgeStore(nuint from, nuint to) : IJitStore
{
    /// <summary>64 bytes of ones, then 64 of zeros: a load at 64 - m has its first m bytes set.</summary>
    private static ReadOnlySpan<byte> Ones =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    public void Store<T>(Vector512<T> value, ref T destination, nuint index)
        where T : unmanaged
    {
        var (first, end) = Bytes<T>(index, Vector512<T>.Count);
        var mask = Vector512.AndNot(Prefix512(end), Prefix512(first)).As<byte, T>();
        Vector512.ConditionalSelect(mask, value, Vector512.LoadUnsafe(ref destination, index)).StoreUnsafe(ref destination, index);
    }

    public void Store<T>(Vector256<T> value, ref T destination, nuint index)
        where T : unmanaged
    {
        var (first, end) = Bytes<T>(index, Vector256<T>.Count);
        var mask = Vector256.AndNot(Prefix256(end), Prefix256(first)).As<byte, T>();
        Vector256.ConditionalSelect(mask, value, Vector256.LoadUnsafe(ref destination, index)).StoreUnsafe(ref destination, index);
    }

    public void Store<T>(Vector128<T> value, ref T destination, nuint index)
        where T : unmanaged
    {
        var (first, end) = Bytes<T>(index, Vector128<T>.Count);
        var mask = Vector128.AndNot(Prefix128(end), Prefix128(first)).As<byte, T>();
        Vector128.ConditionalSelect(mask, value, Vector128.LoadUnsafe(ref destination, index)).StoreUnsafe(ref destination, index);
    }

    /// <summary>The byte range [first, end) of a vector at <paramref name="index"/> whose lanes lie in [from, to).</summary>
    private unsafe (nuint First, nuint End) Bytes<T>(nuint index, int count)
        where T : unmanaged
    {
        nint first = Math.Clamp((nint)from - (nint)index, 0, count);
        nint end = Math.Clamp((nint)to - (nint)index, 0, count);
        return ((nuint)(first * sizeof(T)), (nuint)(end * sizeof(T)));
    }

    private static Vector512<byte> Prefix512(nuint bytes) => Vector512.LoadUnsafe(ref Unsafe.AsRef(in Ones[0]), 64 - bytes);

    private static Vector256<byte> Prefix256(nuint bytes) => Vector256.LoadUnsafe(ref Unsafe.AsRef(in Ones[0]), 64 - bytes);

    private static Vector128<byte> Prefix128(nuint bytes) => Vector128.LoadUnsafe(ref Unsafe.AsRef(in Ones[0]), 64 - bytes);
}
