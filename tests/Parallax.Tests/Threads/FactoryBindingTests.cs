using System.Collections.Concurrent;

namespace Parallax.Tests.Threads;

/// <summary>An instance [Thread] method of a class: the thread runs it on the object its factory was called on.</summary>
public sealed partial class Recorder(string label)
{
    public string Label { get; } = label;

    [Thread]
    public void Record(ConcurrentQueue<(Recorder Self, string What)> log, string what) => log.Enqueue((this, what));
}

/// <summary>
/// An instance [Thread] method of a struct: the generated factory copies the struct (<c>var self = this;</c>),
/// so the thread works on the struct as it was when the factory was called, and writes only its copy.
/// It also builds warning-free: PAR3001 knows the copy's own fields are not shared.
/// </summary>
public partial struct Tally
{
    private int _count;

    public readonly int Count => _count;

    public void Add() => _count++;

    [Thread]
    public void Bump(ConcurrentQueue<int> seen)
    {
        _count++;
        seen.Enqueue(_count);
    }
}

public class FactoryBindingTests
{
    [Fact]
    public void Instance_factory_runs_the_method_on_the_object_it_was_called_on()
    {
        var log = new ConcurrentQueue<(Recorder Self, string What)>();
        var a = new Recorder("a");
        var b = new Recorder("b");
        var threadA = a.RecordThread(log, "from a");
        var threadB = b.RecordThread(log, "from b");
        Assert.Matches(@"^Thread-\d+ \(Record\)$", threadA.Name);

        threadA.Start();
        threadB.Start();
        threadA.Join();
        threadB.Join();

        Assert.Equal(2, log.Count);
        Assert.Contains(log, e => ReferenceEquals(e.Self, a) && e.What == "from a");
        Assert.Contains(log, e => ReferenceEquals(e.Self, b) && e.What == "from b");
    }

    [Fact]
    public void Struct_factory_gives_the_thread_a_copy_taken_when_the_factory_is_called()
    {
        var seen = new ConcurrentQueue<int>();
        var tally = new Tally();
        tally.Add();
        var first = tally.BumpThread(seen);   // copies a tally of 1
        tally.Add();
        var second = tally.BumpThread(seen);  // copies a tally of 2
        tally.Add();

        first.Start();
        second.Start();
        first.Join();
        second.Join();

        // Each thread incremented its own copy; neither touched the original, nor the other's copy.
        Assert.Equal([2, 3], seen.Order());
        Assert.Equal(3, tally.Count);
    }
}
