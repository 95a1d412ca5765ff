using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace Parallax.CompilerServices;

/// <summary>Address arithmetic for generated kernels, which may not be compiled with unsafe code. Called by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JitMemory
{
    /// <summary>
    /// Outputs of at least this many bytes are written with non-temporal stores (TensorPrimitives'
    /// threshold): larger than the caches, they would only evict data the kernel still reads.
    /// </summary>
    internal const int NonTemporalThreshold = 256 * 1024;

    /// <summary>
    /// A result array the kernel writes in full, so it is not zeroed. When it is large and its memory is
    /// new to the process, its pages are asked for as huge pages and faulted in with one system call
    /// first, which on a virtual machine costs far less than taking the first-touch faults one by one
    /// inside the kernel's loop; memory the GC reuses is mapped already and is left alone.
    /// </summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="length">The number of elements.</param>
    /// <returns>An array whose contents are undefined until the kernel writes them.</returns>
    public static unsafe T[] AllocateOutput<T>(int length)
        where T : unmanaged
    {
        var array = GC.AllocateUninitializedArray<T>(length);
        if ((long)length * sizeof(T) >= PageFaults.Threshold)
        {
            fixed (T* start = array)
            {
                PageFaults.PrepareArray(start, (nuint)length * (nuint)sizeof(T));
            }
        }

        return array;
    }

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
    internal static unsafe int ElementsToAlignment<T>(ref T start, int alignment)
        where T : unmanaged
    {
        nuint address = (nuint)Unsafe.AsPointer(ref start);
        nuint misalignment = address & (nuint)(alignment - 1);
        return misalignment == 0 || misalignment % (nuint)sizeof(T) != 0 ? 0 : (int)(((nuint)alignment - misalignment) / (nuint)sizeof(T));
    }
}
