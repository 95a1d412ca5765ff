using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Parallax;

/// <summary>Address arithmetic for generated kernels, which may not be compiled with unsafe code. Called by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitMemory
{
    /// <summary>
    /// Outputs of at least this many bytes are written with non-temporal stores (TensorPrimitives'
    /// threshold): larger than the caches, they would only evict data the kernel still reads.
    /// </summary>
    public const int NonTemporalThreshold = 256 * 1024;

    /// <summary>
    /// How many elements from <paramref name="start"/> to the next <paramref name="alignment"/>-byte
    /// boundary (0 when already aligned). Kernels start their main loop there; the answer is only a
    /// hint, since the GC may move the array afterwards, so correctness never depends on it.
    /// </summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="start">The first element of the destination.</param>
    /// <param name="alignment">The vector size in bytes, a power of two.</param>
    /// <returns>A count in [0, alignment / sizeof(T)).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe int ElementsToAlignment<T>(ref T start, int alignment)
        where T : unmanaged
    {
        nuint address = (nuint)Unsafe.AsPointer(ref start);
        nuint misalignment = address & (nuint)(alignment - 1);
        return misalignment == 0 || misalignment % (nuint)sizeof(T) != 0 ? 0 : (int)(((nuint)alignment - misalignment) / (nuint)sizeof(T));
    }
}
