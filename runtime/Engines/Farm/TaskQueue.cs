namespace Parallax.Engines.Farm;

/// <summary>
/// The tasks of one job that wait to be sent, as ranges of task indices: tasks to send again (their
/// engine died, or a timed-out chunk never reached them) first, then the untouched rest in order.
/// </summary>
internal sealed class TaskQueue
{
    private readonly List<(int Start, int Count, int Attempt)> again = [];
    private readonly int count;
    private int next;

    public TaskQueue(int count)
    {
        this.count = count;
        Remaining = count;
    }

    /// <summary>Gets how many tasks wait.</summary>
    public int Remaining { get; private set; }

    /// <summary>Takes up to <paramref name="size"/> consecutive waiting tasks.</summary>
    public (int Start, int Count, int Attempt) Take(int size)
    {
        (int Start, int Count, int Attempt) taken;
        if (again.Count > 0)
        {
            var last = again[^1];
            if (last.Count <= size)
            {
                again.RemoveAt(again.Count - 1);
                taken = last;
            }
            else
            {
                again[^1] = (last.Start + size, last.Count - size, last.Attempt);
                taken = (last.Start, size, last.Attempt);
            }
        }
        else
        {
            taken = (next, Math.Min(size, count - next), 0);
            next += taken.Count;
        }

        Remaining -= taken.Count;
        return taken;
    }

    /// <summary>Puts tasks back, to be sent before the others; <paramref name="attempt"/> counts the engines they were already lost with.</summary>
    public void Return(int start, int length, int attempt)
    {
        if (length > 0)
        {
            again.Add((start, length, attempt));
            Remaining += length;
        }
    }

    /// <summary>Removes every waiting task and returns them as ranges.</summary>
    public List<(int Start, int Count)> Drain()
    {
        var ranges = again.Select(r => (r.Start, r.Count)).ToList();
        if (next < count)
        {
            ranges.Add((next, count - next));
        }

        again.Clear();
        next = count;
        Remaining = 0;
        return ranges;
    }
}
