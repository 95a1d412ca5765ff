namespace Parallax.Engines.Farm;

/// <summary>
/// How many tasks go into the next chunk of a job. A fixed size when the caller gave one; otherwise
/// guided by what is left (a quarter of an engine's share of the waiting tasks, so chunks shrink toward
/// the end and the engines finish together) and, once chunks have been timed, kept between
/// <see cref="MinSeconds"/> of work (less is not worth a message: thousands of tiny tasks go in a few
/// chunks) and <see cref="TargetSeconds"/> (more would leave engines idle at the end, and delay progress
/// and cancellation).
/// </summary>
internal sealed class ChunkSizer(int fixedSize)
{
    /// <summary>The most work one chunk should hold: long enough that a message's cost (about 0.1 ms) is lost in it, short enough to balance and to cancel.</summary>
    public const double TargetSeconds = 0.05;

    /// <summary>The least work a chunk should hold, when enough tasks wait: a chunk shorter than this costs more in messages than it gains in balance.</summary>
    public const double MinSeconds = 0.002;

    /// <summary>Chunks per engine's share of the waiting tasks.</summary>
    public const int SharesPerEngine = 4;

    /// <summary>The most tasks a chunk holds before any chunk of the job has been timed.</summary>
    public const int Untimed = 16;

    private double secondsPerTask = -1;

    /// <summary>The next chunk's size for <paramref name="waiting"/> tasks over <paramref name="engines"/> engines.</summary>
    public int Next(int waiting, int engines)
    {
        if (fixedSize > 0)
        {
            return fixedSize;
        }

        var shares = Math.Max(1, engines) * SharesPerEngine;
        var guided = (int)Math.Min(int.MaxValue, ((long)waiting + shares - 1) / shares);
        if (secondsPerTask < 0)
        {
            return Math.Max(1, Math.Min(guided, Untimed));
        }

        if (secondsPerTask == 0)
        {
            return Math.Max(1, waiting);
        }

        var least = (int)Math.Clamp(MinSeconds / secondsPerTask, 1, int.MaxValue);
        var most = (int)Math.Clamp(TargetSeconds / secondsPerTask, 1, int.MaxValue);
        return Math.Clamp(guided, least, most);
    }

    /// <summary>Learns from a chunk that ran <paramref name="tasks"/> tasks in <paramref name="seconds"/> on its engine.</summary>
    public void Observe(int tasks, double seconds)
    {
        if (tasks <= 0 || seconds < 0)
        {
            return;
        }

        var perTask = seconds / tasks;
        secondsPerTask = secondsPerTask < 0 ? perTask : (0.7 * secondsPerTask) + (0.3 * perTask);
    }
}
