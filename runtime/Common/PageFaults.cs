using System.Buffers;
using System.Runtime.InteropServices;

namespace Parallax;

/// <summary>
/// Faults in a range of pages with one system call before it is used (large [Jit] and Linalg results,
/// shared-memory segments, arrays a transfer fills). On a virtual machine the first touch of each page
/// traps to the hypervisor; taken one by one inside a 200 MB copy they cost about twice as much as
/// asking Linux for all of them at once (madvise MADV_POPULATE_WRITE / _READ, Linux 5.14+). Best
/// effort: elsewhere, or on an older kernel, the copy faults them in as usual. docs/engines.md
/// ("Fresh memory") has the measurements behind each choice.
/// </summary>
internal static partial class PageFaults
{
    /// <summary>Below this, page faults are not worth a system call.</summary>
    public const int Threshold = 4 << 20;

    private const int MadvPopulateRead = 22;
    private const int MadvPopulateWrite = 23;
    private const nuint Page = 4096;

    /// <summary>At most this many populate calls per array; a more fragmented range gets one call from its first hole to its last.</summary>
    private const int MaxRuns = 16;

    /// <summary>
    /// Maps every page of a range now (shared-memory segments): <paramref name="write"/> for memory this
    /// process fills, read for memory another process filled.
    /// </summary>
    public static unsafe void Populate(void* start, nuint bytes, bool write)
    {
        if (bytes < Threshold || !OperatingSystem.IsLinux())
        {
            return;
        }

        var (first, end) = Inside(start, bytes, Page);
        if (end > first)
        {
            _ = Madvise((nint)first, end - first, write ? MadvPopulateWrite : MadvPopulateRead);
        }
    }

    /// <summary>
    /// Readies a new managed array that is about to be written in full. Memory the GC reuses is mapped
    /// already, and populating it again walks every page for nothing (3–7 ms per 80 MB here, as much as
    /// the kernel that then fills it), so only the pages that are not mapped yet are populated, one
    /// system call per run of them (memory the GC has just committed: one call for the whole array).
    /// Not asked for as transparent huge pages, although this kernel grants them on request: on a VM
    /// whose free memory is reported back to the host (virtio-balloon free page reporting), a 2 MB page
    /// is taken from exactly the blocks the host has discarded, and a fresh 80 MB then took 23 ms to
    /// 2.2 s, 4x the 4 KiB path in the median (docs/engines.md, "Fresh memory").
    /// </summary>
    public static unsafe void PrepareArray(void* start, nuint bytes)
    {
        if (bytes < Threshold || !OperatingSystem.IsLinux())
        {
            return;
        }

        // Only whole pages inside the range: the advice must not reach memory the caller does not own.
        var (first, end) = Inside(start, bytes, Page);
        if (end > first)
        {
            PopulateUnmapped(first, end);
        }
    }

    /// <summary>
    /// Populates the runs of pages in [first, end) that are not mapped (mincore: a page-table walk, tens of
    /// microseconds per 100 MB), each with one call; the GC may hand back a region it partly decommitted,
    /// and its mapped pages would only be walked again. Past <see cref="MaxRuns"/> runs, one call covers
    /// everything from the first hole to the last.
    /// </summary>
    private static unsafe void PopulateUnmapped(nuint first, nuint end)
    {
        int pages = (int)((end - first) / Page);
        var residency = ArrayPool<byte>.Shared.Rent(pages);
        try
        {
            fixed (byte* vector = residency)
            {
                if (Mincore((nint)first, end - first, vector) != 0)
                {
                    _ = Madvise((nint)first, end - first, MadvPopulateWrite);
                    return;
                }

                var runs = UnmappedRuns(new ReadOnlySpan<byte>(vector, pages));
                foreach (var (from, count) in runs)
                {
                    _ = Madvise((nint)(first + ((nuint)from * Page)), (nuint)count * Page, MadvPopulateWrite);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(residency);
        }
    }

    /// <summary>
    /// The runs of unmapped pages (mincore sets bit 0 per resident page; the other bits are reserved),
    /// as (first page, page count); none when every page is mapped, the usual answer, found vectorized.
    /// </summary>
    internal static List<(int From, int Count)> UnmappedRuns(ReadOnlySpan<byte> residency)
    {
        var runs = new List<(int From, int Count)>();
        if (!residency.ContainsAnyExcept((byte)1))
        {
            return runs;
        }

        for (int i = 0; i < residency.Length;)
        {
            if ((residency[i] & 1) != 0)
            {
                i++;
                continue;
            }

            int from = i;
            while (i < residency.Length && (residency[i] & 1) == 0)
            {
                i++;
            }

            runs.Add((from, i - from));
        }

        if (runs.Count > MaxRuns)
        {
            var (last, lastCount) = runs[^1];
            int from = runs[0].From;
            runs.Clear();
            runs.Add((from, last + lastCount - from));
        }

        return runs;
    }

    /// <summary>The largest range of whole <paramref name="unit"/>-aligned blocks inside [start, start + bytes).</summary>
    private static unsafe (nuint First, nuint End) Inside(void* start, nuint bytes, nuint unit) =>
        (((nuint)start + unit - 1) & ~(unit - 1), ((nuint)start + bytes) & ~(unit - 1));

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "mincore")]
    private static unsafe partial int Mincore(nint address, nuint length, byte* vector);
}
