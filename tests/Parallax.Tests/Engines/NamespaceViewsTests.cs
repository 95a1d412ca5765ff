using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MemoryPack;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// An engine's namespace over real shared-memory segments, in this process: views of pushed matrices
/// read the mapping itself, stop the moment their variable changes, and their memory is released only
/// at the end of the request and after any product reading it; matrices engine code writes lie in a
/// segment a pull names as it is.
/// </summary>
public sealed unsafe class NamespaceViewsTests : IDisposable
{
    private static readonly string MatrixType = typeof(double[,]).FullName!;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "parallax-views-" + Guid.NewGuid().ToString("N"));
    private readonly SegmentMac mac = new(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private readonly ReplySegments replies;
    private readonly EngineNamespace ns;

    public NamespaceViewsTests()
    {
        Directory.CreateDirectory(folder);
        replies = new ReplySegments(folder, 0);
        ns = new EngineNamespace(0, mac, replies, sharedThreshold: 1000);
    }

    public void Dispose()
    {
        replies.DeleteAll();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void A_view_of_a_pushed_matrix_reads_the_mapping_itself_and_the_array_read_later_equals_the_pushed_one()
    {
        var a = Matrices.Random(60, 70, 1);
        var (segment, released) = Push("a", a);

        var view = ns.GetMatrix<double>("a");
        Assert.Equal((60, 70), (view.Rows, view.Columns));
        Assert.True(Inside(segment, ref MemoryMarshal.GetReference(view.GetRow(0))), "the view does not point into the pushed segment");
        Assert.True(view.ToArray().AsSpan().SequenceEqual(a.AsSpan()));
        Assert.Equal("pushed", ns.KindOf("a"));

        // Read as an array: a copy, once, equal to what was pushed; the view still reads the mapping until the request ends.
        var array = ns.Get<double[,]>("a");
        Assert.Same(array, ns.Get<double[,]>("a"));
        Assert.True(array.AsSpan().SequenceEqual(a.AsSpan()));
        Assert.Equal(a[59, 69], view[59, 69]);
        Assert.Equal(0, released());

        ns.EndRequest();
        Assert.Equal(1, released());
        var refused = Refused(view);
        Assert.Contains("engine 0's variable 'a'", refused, StringComparison.Ordinal);
        Assert.Contains("read as a System.Double[,]", refused, StringComparison.Ordinal);

        // Views of the array now show the array.
        Assert.Equal(a[3, 4], ns.GetMatrix<double>("a")[3, 4]);
    }

    [Fact]
    public void Replacing_a_variable_stops_its_views_at_once_and_unmaps_only_after_the_request_and_the_product_reading_it()
    {
        var a = Matrices.Random(50, 50, 2);
        var (_, released) = Push("a", a);
        var view = ns.GetMatrix<double>("a");
        var row = view.GetRow(49);
        var product = view.Enter(); // a product reading a, as Linalg.Dot holds it

        ns.Set("a", 1.0);
        Assert.Contains("'a' was replaced", Refused(view), StringComparison.Ordinal);
        Assert.Equal(a[49, 49], row[49]); // a span taken before: still mapped, never freed memory

        ns.EndRequest();
        Assert.Equal(0, released());
        Assert.Equal(a[49, 0], row[0]);
        product.Dispose();
        Assert.Equal(1, released());

        ns.Remove("a");
        Assert.Null(ns.KindOf("a"));
    }

    [Fact]
    public void A_removed_variable_stops_its_views_and_its_segment_goes_back_when_the_request_ends()
    {
        var (_, released) = Push("a", Matrices.Random(40, 40, 3));
        var view = ns.GetMatrix<double>("a");
        Assert.True(ns.Remove("a"));
        Assert.Contains("'a' was removed", Refused(view), StringComparison.Ordinal);
        Assert.Equal(0, released());
        ns.EndRequest();
        Assert.Equal(1, released());
    }

    [Fact]
    public void A_pushed_matrix_changed_in_shared_memory_after_the_push_is_refused_when_first_viewed()
    {
        var (segment, _) = Push("a", Matrices.Random(40, 40, 4));
        segment.Span[500] ^= 1;
        var refused = Assert.Throws<System.Security.SecurityException>(() => ns.GetMatrix<double>("a").Rows);
        Assert.Contains("'a' changed in shared memory", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_matrix_written_into_shared_memory_is_pulled_from_where_it_lies_and_read_as_an_equal_array()
    {
        var c = ns.SetMatrix<double>("c", 30, 40, clear: true);
        for (var i = 0; i < c.Rows; i++)
        {
            for (var j = 0; j < c.Columns; j++)
            {
                c[i, j] = (i * 100) + j;
            }
        }

        Assert.Equal("written", ns.KindOf("c"));
        var pulled = ns.Serialize("c", MatrixType);
        var segment = Assert.IsType<SharedSegment>(pulled.Segment);
        Assert.True(Inside(segment, ref MemoryMarshal.GetReference(c.GetRow(0))), "the written matrix does not lie in the segment the pull names");
        var read = MemoryPackSerializer.Deserialize<double[,]>(pulled.Bytes.Span)!;
        Assert.Equal(1234.0, read[12, 34]);

        // The first pull names the segment; a second one while the first reader has not let go gets no name (it is copied).
        var reader = new object();
        Assert.True(replies.TryHandOut(segment, reader));
        Assert.False(replies.TryHandOut(segment, reader));
        segment.MarkFree();
        Assert.True(replies.TryHandOut(segment, reader));

        // The reader's connection closed before it marked the segment free: the variable keeps its
        // segment (engine code still uses it) and the next pull, from another client, names it again.
        replies.Abandon(reader);
        Assert.True(File.Exists(segment.Path));
        Assert.True(replies.TryHandOut(segment, new object()));

        var array = ns.Get<double[,]>("c");
        Assert.Equal(read, array);
        Assert.Equal(2939.0, ns.GetMatrix<double>("c")[29, 39]);
        ns.EndRequest();
        Assert.Contains("read as a System.Double[,]", Refused(c), StringComparison.Ordinal);

        // Below the threshold a matrix is an array: nothing to name.
        var small = ns.SetMatrix<double>("s", 2, 3, clear: true);
        small[1, 2] = 5;
        Assert.Equal("object", ns.KindOf("s"));
        Assert.Null(ns.Serialize("s", MatrixType).Segment);
        Assert.Equal(5.0, ns.Get<double[,]>("s")[1, 2]);
    }

    [Fact]
    public void A_written_matrix_read_as_an_array_is_pulled_from_its_segment_until_the_array_changes()
    {
        var c = ns.SetMatrix<double>("c", 40, 50, clear: true);
        c.Fill(3);
        var segment = Assert.IsType<SharedSegment>(ns.Serialize("c", MatrixType).Segment);
        segment.MarkFree();

        // A code string that prints c reads it as an array and stores the same object back.
        var array = ns.Get<double[,]>("c");
        ns.Set("c", array);
        ns.EndRequest();
        Assert.Equal("object", ns.KindOf("c"));
        Assert.Contains("read as a System.Double[,]", Refused(c), StringComparison.Ordinal);

        // Unchanged: the pull names the segment the matrix was written into, no new serialization.
        var pulled = ns.Serialize("c", MatrixType);
        Assert.Same(segment, pulled.Segment);
        Assert.Equal(array, MemoryPackSerializer.Deserialize<double[,]>(pulled.Bytes.Span));
        segment.MarkFree();

        // Changed: the array is what the variable holds, so it is serialized, and the segment goes back to the pool.
        array[39, 49] = -1;
        pulled = ns.Serialize("c", MatrixType);
        Assert.Null(pulled.Segment);
        Assert.False(pulled.IsSerialized); // the array, to be written into the reply
        ns.EndRequest();
        var next = ns.SetMatrix<double>("d", 40, 50, clear: true);
        Assert.True(Inside(segment, ref next[0, 0]), "the segment the changed array let go of was not reused");
        Assert.Equal(0.0, next[39, 49]);

        // Replaced: the segment kept beside an unchanged array goes back too.
        var e = ns.SetMatrix<double>("e", 40, 50, clear: true);
        e.Fill(5);
        var eSegment = Assert.IsType<SharedSegment>(ns.Serialize("e", MatrixType).Segment);
        eSegment.MarkFree();
        _ = ns.Get<double[,]>("e");
        ns.Set("e", 1.0);
        ns.EndRequest();
        var reused = ns.SetMatrix<double>("f", 40, 50, clear: true);
        Assert.True(Inside(eSegment, ref reused[0, 0]), "the segment of a replaced variable was not reused");
    }

    [Fact]
    public void A_segment_a_written_matrix_let_go_of_is_reused_for_the_next_one_and_zeroed_when_asked()
    {
        var first = ns.SetMatrix<double>("c", 100, 100, clear: true);
        first.Fill(7);
        fixed (double* at = &first[0, 0])
        {
            ns.Remove("c");
            ns.EndRequest();

            var second = ns.SetMatrix<double>("c", 100, 100, clear: true);
            Assert.True(at == Unsafe.AsPointer(ref second[0, 0]), "the second matrix did not reuse the first one's segment");
            Assert.Equal(0.0, second[99, 99]);
            Assert.Equal(0.0, second[0, 0]);
            var pending = ns.CreateMatrix<double>("d", 100, 100, clear: false);
            ns.Discard(pending);
            ns.EndRequest();
            Assert.False(ns.Contains("d"));
        }
    }

    /// <summary>Writes <paramref name="value"/> into a new segment as a push does, stores it as the variable, and counts the segment's closing.</summary>
    private (SharedSegment Segment, Func<int> Released) Push(string name, double[,] value)
    {
        var payload = Payload.FromValue(typeof(double[,]), value);
        var segment = SharedSegment.Create(folder, "push", payload.SizeBound);
        var closed = 0;
        segment.Closed = () => closed++;
        var range = new Placement(1000, mac).Write(segment, [payload])[0];
        ns.SetSerialized(name, MatrixType, segment.Memory.Slice((int)range.Offset, (int)range.Length), segment, range.Tag);
        segment.Release(); // the push's own reference: the variable holds the other
        return (segment, () => closed);
    }

    private static bool Inside(SharedSegment segment, ref readonly double element)
    {
        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(segment.Span));
        var at = (byte*)Unsafe.AsPointer(ref Unsafe.AsRef(in element));
        return at >= start && at < start + segment.Length;
    }

    private static string Refused(ReadOnlyMatrixSpan<double> view)
    {
        try
        {
            _ = view[0, 0];
        }
        catch (ObjectDisposedException e)
        {
            return e.Message;
        }

        throw new Xunit.Sdk.XunitException("the view still reads its memory");
    }
}
