using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace Parallax.Engines.Transport;

/// <summary>
/// A shared-memory file mapped into this process. The writer fills it once; every target engine maps
/// the same pages, so a push to N engines costs one copy, not N (ipyparallel copies once per engine:
/// its issue #129). Reference counted: values an engine keeps from a push refer into the mapping,
/// which closes when the last of them lets go.
/// <para>
/// Every segment of a cluster lies in the cluster's own folder, <c>/dev/shm/parallax-&lt;cluster&gt;/</c>
/// (mode 0700, made by the client with mkdir, which fails if the name is taken). /dev/shm itself is
/// world-writable and world-listable: segments named there could be seen, and their names taken by
/// any local user between a reader releasing one and the writer reclaiming it. Inside the folder no
/// other user can list, create, rename or delete anything, so every name there is the cluster's.
/// </para>
/// </summary>
internal sealed unsafe class SharedSegment : MemoryManager<byte>
{
    /// <summary>A cluster's segment folder is named this and the cluster id.</summary>
    public const string FolderPrefix = "parallax-";

    /// <summary>A reader renames a segment it has finished with to its path plus this suffix, so that the writer may reuse it.</summary>
    public const string FreeSuffix = ".free";

    private readonly MemoryMappedFile? file;
    private readonly MemoryMappedViewAccessor? view;
    private readonly byte[]? array;
    private readonly byte* pointer;
    private readonly int length;
    private int references = 1;

    private SharedSegment(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, int length)
    {
        Path = path;
        this.file = file;
        this.view = view;
        this.length = length;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        pointer = p + view.PointerOffset;
    }

    /// <summary>An array on the GC's pinned heap, of this process only (<see cref="InProcess"/>): its address never moves.</summary>
    private SharedSegment(byte[] array)
    {
        Path = "";
        this.array = array;
        length = array.Length;
        pointer = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));
    }

    public string Path { get; }

    /// <summary>Runs once, when the last reference is released and the mapping closes.</summary>
    public Action? Closed { get; set; }

    public int Length => length;

    public Span<byte> Span => new(pointer, length);

    /// <summary>The folder cluster segment folders live in: RAM-backed /dev/shm when the system has it.</summary>
    public static string Root => System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    /// <summary>The segment folder of cluster <paramref name="clusterId"/>.</summary>
    public static string FolderOf(string clusterId) => System.IO.Path.Combine(Root, FolderPrefix + clusterId);

    /// <summary>Creates a segment readable and writable by this user only, in the cluster's <paramref name="folder"/>, named <paramref name="tag"/> and a random suffix.</summary>
    public static SharedSegment Create(string folder, string tag, long length)
    {
        if (length is <= 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A shared-memory segment holds between 1 byte and 2 GiB; split larger data over several pushes or a scatter.");
        }

        var path = System.IO.Path.Combine(folder, $"{tag}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        var stream = new FileStream(path, OwnerOnly.NewFile(FileAccess.ReadWrite));
        try
        {
            stream.SetLength(length);
            var file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var segment = new SharedSegment(path, file, file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite), (int)length);
            PageFaults.Populate(segment.pointer, (nuint)length, write: true);
            return segment;
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Memory of this process only, reference counted like a segment so that values kept from it hold it
    /// (a silo's upload buffer: a push's values lie in it until replaced, and then it is filled again
    /// with warm pages instead of fresh ones). No file and no mapping: a pinned array the GC takes back
    /// once the last reference is released and nothing else holds it.
    /// </summary>
    public static SharedSegment InProcess(int length) => new(GC.AllocateUninitializedArray<byte>(length, pinned: true));

    /// <summary>Gets whether a reference besides the creator's is held (a value kept from it, a transfer using it).</summary>
    public bool IsReferencedElsewhere => Volatile.Read(ref references) > 1;

    /// <summary>Maps a segment another process wrote, read-only; refuses any file outside the cluster's <paramref name="folder"/>.</summary>
    public static SharedSegment Open(string folder, string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(full) != System.IO.Path.GetFullPath(folder).TrimEnd('/'))
        {
            throw new FrameRejectedException($"shared-memory path '{path}' is not a segment of this cluster (in {folder})");
        }

        var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var length = stream.Length;
            if (length is <= 0 or > int.MaxValue)
            {
                throw new FrameRejectedException($"shared-memory segment '{path}' has an impossible length {length}");
            }

            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            return new SharedSegment(full, file, file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read), (int)length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The tag of a range: frames carry it under their HMAC, so the MAC covers the shared bytes too.</summary>
    public byte[] Sign(SegmentMac mac, long offset, long count) => mac.Sign(Slice(offset, count));

    /// <summary>Throws <see cref="FrameRejectedException"/> unless <paramref name="tag"/> is the range's tag.</summary>
    public void Verify(SegmentMac mac, long offset, long count, byte[] tag)
    {
        var range = Slice(offset, count);

        // The writer's pages exist already; mapping them one fault at a time is what costs. Only the
        // range about to be used: an engine maps a push whole but may read one value of it.
        PageFaults.Populate(pointer + offset, (nuint)count, write: false);
        if (!mac.Check(range, tag))
        {
            throw new FrameRejectedException($"shared-memory data in '{Path}' does not match the tag its signed frame carries");
        }
    }

    public ReadOnlySpan<byte> Slice(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > length)
        {
            throw new FrameRejectedException($"range {offset}+{count} lies outside the {length}-byte segment '{Path}'");
        }

        return new ReadOnlySpan<byte>(pointer + offset, (int)count);
    }

    public void AddReference() => Interlocked.Increment(ref references);

    public void Release()
    {
        if (Interlocked.Decrement(ref references) == 0)
        {
            ((IDisposable)this).Dispose();
        }
    }

    /// <summary>Tells the writer this reader is done: the segment's pages may be written again.</summary>
    public void MarkFree() => TryMove(Path, Path + FreeSuffix);

    /// <summary>
    /// Takes back a segment a reader marked free; false when it is not (or no longer) free. The move
    /// never replaces a file: it fails when something holds the segment's own name.
    /// </summary>
    public bool TryReclaim() => TryMove(Path + FreeSuffix, Path);

    /// <summary>Removes the file under either of its names.</summary>
    public void Delete()
    {
        Unlink();
        TryDelete(Path + FreeSuffix);
    }

    /// <summary>Removes the file name; the mappings stay valid until every process unmaps them.</summary>
    public void Unlink() => TryDelete(Path);

    /// <summary>
    /// Deletes a file and reports nothing: cleanup runs on every way out (dispose, an engine's exit, a
    /// restart), and a file that is gone already or that this user may not remove must not stop it.
    /// </summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Deletes a folder and everything in it, as <see cref="TryDelete"/>. Several engines may remove the
    /// same folder at once (their client died): one that finds a file gone under it tries again.
    /// </summary>
    public static void TryDeleteFolder(string path)
    {
        for (var attempt = 0; attempt < 3 && System.IO.Directory.Exists(path); attempt++)
        {
            try
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static bool TryMove(string from, string to)
    {
        try
        {
            File.Move(from, to);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public override Span<byte> GetSpan() => Span;

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            view?.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            file?.Dispose();
            Closed?.Invoke();
        }
    }
}
