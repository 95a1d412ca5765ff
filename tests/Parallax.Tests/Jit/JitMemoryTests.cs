using System.Runtime.InteropServices;
using Parallax.CompilerServices;

namespace Parallax.Tests.Jit;

/// <summary>
/// JitMemory.AllocateOutput and PageFaults.PrepareArray: a large result comes back with every page
/// mapped (populated at once when the memory is new to the process, left alone when the GC reused
/// mapped memory), and a small one untouched by either. Linux only, as the engines tests are (mincore, madvise).
/// </summary>
public sealed partial class JitMemoryTests
{
    [Fact]
    public void A_large_output_comes_back_with_every_page_mapped()
    {
        for (int i = 0; i < 3; i++)
        {
            // 24 MB, past PageFaults.Threshold: fresh the first time, possibly reused by the GC after.
            var r = JitMemory.AllocateOutput<double>(3 << 20);
            Assert.Equal(3 << 20, r.Length);
            Assert.Equal(0, UnmappedPages(r));
            GC.KeepAlive(r);
        }
    }

    [Fact]
    public unsafe void PrepareArray_maps_memory_the_process_has_not_touched()
    {

        // Memory outside the GC heap, so nothing but PrepareArray can have touched it.
        const int ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        nuint bytes = 16 << 20;
        nint p = Mmap(0, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        Assert.NotEqual(-1, p);
        try
        {
            Assert.Equal((int)(bytes / 4096), Unmapped(p, bytes));
            PageFaults.PrepareArray((void*)p, bytes);
            Assert.Equal(0, Unmapped(p, bytes));
        }
        finally
        {
            _ = Munmap(p, bytes);
        }
    }

    [Fact]
    public unsafe void PrepareArray_leaves_ranges_below_the_threshold_alone()
    {
        const int ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        nuint bytes = (nuint)PageFaults.Threshold - 4096;
        nint p = Mmap(0, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        try
        {
            PageFaults.PrepareArray((void*)p, bytes);
            Assert.Equal((int)(bytes / 4096), Unmapped(p, bytes));
        }
        finally
        {
            _ = Munmap(p, bytes);
        }
    }

    [Fact]
    public unsafe void PrepareArray_maps_the_holes_of_a_partly_mapped_range()
    {
        const int ProtReadWrite = 3, MapPrivateAnonymous = 0x22;
        nuint bytes = 16 << 20;
        nint p = Mmap(0, bytes, ProtReadWrite, MapPrivateAnonymous, -1, 0);
        try
        {
            // Every third 64-page stretch touched, as a region the GC partly decommitted.
            for (nuint offset = 0; offset < bytes; offset += 3 * 64 * 4096)
            {
                new Span<byte>((byte*)p + offset, 64 * 4096).Fill(7);
            }

            Assert.NotEqual(0, Unmapped(p, bytes));
            PageFaults.PrepareArray((void*)p, bytes);
            Assert.Equal(0, Unmapped(p, bytes));
            Assert.Equal(7, ((byte*)p)[0]); // what was there stays
        }
        finally
        {
            _ = Munmap(p, bytes);
        }
    }

    [Fact]
    public void Unmapped_runs_are_read_from_bit_0_and_merged_past_sixteen()
    {
        Assert.Empty(PageFaults.UnmappedRuns([1, 1, 1, 1]));
        Assert.Empty(PageFaults.UnmappedRuns([1, 3, 5, 1])); // the other bits are reserved
        Assert.Equal([(0, 2), (3, 1), (6, 2)], PageFaults.UnmappedRuns([0, 2, 1, 0, 1, 1, 0, 0]));

        // 20 holes: more than sixteen calls is not worth it, one call from the first hole to the last.
        var fragmented = Enumerable.Range(0, 41).Select(i => (byte)(i % 2 == 0 ? 1 : 0)).ToArray();
        Assert.Equal([(1, 39)], PageFaults.UnmappedRuns(fragmented));
    }

    private static unsafe int UnmappedPages(double[] array)
    {
        fixed (double* start = array)
        {
            nuint first = ((nuint)start + 4095) & ~(nuint)4095, end = ((nuint)start + (nuint)array.Length * sizeof(double)) & ~(nuint)4095;
            return Unmapped((nint)first, end - first);
        }
    }

    private static unsafe int Unmapped(nint start, nuint bytes)
    {
        var residency = new byte[(int)(bytes / 4096)];
        fixed (byte* vector = residency)
        {
            Assert.Equal(0, Mincore(start, bytes, vector));
        }

        return residency.Count(b => (b & 1) == 0);
    }

    [LibraryImport("libc", EntryPoint = "mincore")]
    private static unsafe partial int Mincore(nint address, nuint length, byte* vector);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
