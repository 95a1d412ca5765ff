namespace Parallax.Engines.Farm;

/// <summary>
/// How many tasks go into the next chunk of a job. A fixed size when the caller gave one; otherwise
/// guided by what is left (a quarter of an engine's share of the waiting tasks, so chunks shrink toward
/// the end and the engines finish together) and, once chunks have been timed, capped to about
/// <see cref="TargetSeconds"/> of work, so long tasks still spread and progress and cancellation stay prompt.
/// </summary>
internal sealed class ChunkSizer(int fixedSize)
{
    /// <summary>The work one chunk should hold: long enough that a message's cost (about 0.1 ms) is lost in it, short enough to balance and to cancel.</summary>
    public const double TargetSeconds = 0.05;

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
        var timed = secondsPerTask switch
        {
            < 0 => Untimed,
            0 => int.MaxValue,
            _ => (int)Math.Clamp(TargetSeconds / secondsPerTask, 1, int.MaxValue),
        };
        return Math.Max(1, Math.Min(guided, timed));
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
