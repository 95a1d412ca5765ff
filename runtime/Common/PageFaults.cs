using System.Runtime.InteropServices;

namespace Parallax;

/// <summary>
/// Faults in a range of pages with one system call before it is used (large [Jit] results, shared-memory
/// segments, arrays a transfer fills). On a virtual machine the first
/// touch of each page traps to the hypervisor; taken one by one inside a 200 MB copy they cost about
/// twice as much as asking Linux for all of them at once (madvise MADV_POPULATE_WRITE / _READ,
/// Linux 5.14+). Best effort: elsewhere, or on an older kernel, the copy faults them in as usual.
/// </summary>
internal static partial class PageFaults
{
    /// <summary>Below this, page faults are not worth a system call.</summary>
    public const int Threshold = 4 << 20;

    private const int MadvPopulateRead = 22;
    private const int MadvPopulateWrite = 23;
    private const nuint Page = 4096;

    public static unsafe void Populate(void* start, nuint bytes, bool write)
    {
        if (bytes < Threshold || !OperatingSystem.IsLinux())
        {
            return;
        }

        // Only whole pages inside the range: the advice must not reach memory the caller does not own.
        var first = ((nuint)start + Page - 1) & ~(Page - 1);
        var end = ((nuint)start + bytes) & ~(Page - 1);
        if (end > first)
        {
            _ = Madvise((nint)first, end - first, write ? MadvPopulateWrite : MadvPopulateRead);
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
