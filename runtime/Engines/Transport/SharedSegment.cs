using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace Parallax.Engines;

/// <summary>
/// A shared-memory file (in /dev/shm when there is one) mapped into this process. The writer fills it
/// once; every target engine maps the same pages, so a push to N engines costs one copy, not N
/// (ipyparallel copies once per engine: its issue #129). Reference counted: values an engine keeps
/// from a push refer into the mapping, which closes when the last of them lets go.
/// </summary>
internal sealed unsafe class SharedSegment : MemoryManager<byte>
{
    /// <summary>Every segment's file name starts with this, so a reader can refuse to map anything else.</summary>
    public const string FilePrefix = "parallax-";

    /// <summary>A reader renames a segment it has finished with to its path plus this suffix, so that the writer may reuse it.</summary>
    public const string FreeSuffix = ".free";

    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor view;
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

    public string Path { get; }

    /// <summary>Runs once, when the last reference is released and the mapping closes.</summary>
    public Action? Closed { get; set; }

    public int Length => length;

    public Span<byte> Span => new(pointer, length);

    /// <summary>The folder segments live in: RAM-backed /dev/shm when the system has it.</summary>
    public static string Directory => System.IO.Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();

    /// <summary>Creates a segment readable and writable by this user only.</summary>
    public static SharedSegment Create(string tag, long length)
    {
        if (length is <= 0 or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "A shared-memory segment holds between 1 byte and 2 GiB; split larger data over several pushes or a scatter.");
        }

        var path = System.IO.Path.Combine(Directory, $"{FilePrefix}{tag}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
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

    /// <summary>Maps a segment another process wrote, read-only; refuses any file that is not a Parallax segment.</summary>
    public static SharedSegment Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(full) != System.IO.Path.GetFullPath(Directory).TrimEnd('/') ||
            !System.IO.Path.GetFileName(full).StartsWith(FilePrefix, StringComparison.Ordinal))
        {
            throw new FrameRejectedException($"shared-memory path '{path}' is not a Parallax segment in {Directory}");
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
    public void MarkFree()
    {
        try
        {
            File.Move(Path, Path + FreeSuffix);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Takes back a segment a reader marked free; false when it is not (or no longer) free.</summary>
    public bool TryReclaim()
    {
        try
        {
            File.Move(Path + FreeSuffix, Path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Removes the file under either of its names.</summary>
    public void Delete()
    {
        Unlink();
        try
        {
            File.Delete(Path + FreeSuffix);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Removes the file name; the mappings stay valid until every process unmaps them.</summary>
    public void Unlink()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
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
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            file.Dispose();
            Closed?.Invoke();
        }
    }
}
