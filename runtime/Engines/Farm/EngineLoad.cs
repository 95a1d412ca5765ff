namespace Parallax.Engines.Farm;

/// <summary>
/// The farm's chunks outstanding on each engine. An engine takes at most <c>depth</c> chunks at once
/// (one running, the next already there when it finishes, so the engine never waits for a round trip);
/// the next chunk goes to the engine with the fewest outstanding tasks.
/// </summary>
internal sealed class EngineLoad(int depth)
{
    private readonly Dictionary<int, Line> lines = [];
    private int rotor;

    /// <summary>
    /// The engine among <paramref name="live"/> (and <paramref name="targets"/>, unless null) with room
    /// for a chunk and the least outstanding work; ties go round. -1 when none has room.
    /// </summary>
    public int LeastLoaded(IReadOnlyList<int> live, int[]? targets)
    {
        var best = -1;
        var bestTasks = long.MaxValue;
        var bestChunks = int.MaxValue;
        var count = live.Count;
        for (var k = 0; k < count; k++)
        {
            var id = live[(rotor + k) % count];
            if (targets is not null && Array.IndexOf(targets, id) < 0)
            {
                continue;
            }

            var (chunks, tasks) = lines.TryGetValue(id, out var line) ? (line.Chunks, line.Tasks) : (0, 0L);
            if (chunks < depth && (tasks < bestTasks || (tasks == bestTasks && chunks < bestChunks)))
            {
                (best, bestTasks, bestChunks) = (id, tasks, chunks);
            }
        }

        rotor = count == 0 ? 0 : (rotor + 1) % count;
        return best;
    }

    /// <summary>
    /// Counts <paramref name="chunk"/> on its engine. Returns the chunk sent there before it that has not
    /// answered (the engine runs calls in order, so this one cannot start before that one answers), or
    /// null when this one is first in line.
    /// </summary>
    public Chunk? Add(Chunk chunk)
    {
        if (!lines.TryGetValue(chunk.EngineId, out var line))
        {
            lines[chunk.EngineId] = line = new Line();
        }

        var previous = line.Outstanding.Count > 0 ? line.Outstanding[^1] : null;
        line.Outstanding.Add(chunk);
        line.Tasks += chunk.Count;
        return previous;
    }

    /// <summary>Stops counting <paramref name="chunk"/>, which has answered or is lost; returns the chunk now first in line on its engine when that changed.</summary>
    public Chunk? Remove(Chunk chunk)
    {
        var line = lines[chunk.EngineId];
        var wasFirst = line.Outstanding.Count > 0 && line.Outstanding[0] == chunk;
        line.Outstanding.Remove(chunk);
        line.Tasks -= chunk.Count;
        return wasFirst && line.Outstanding.Count > 0 ? line.Outstanding[0] : null;
    }

    private sealed class Line
    {
        public readonly List<Chunk> Outstanding = [];
        public long Tasks;

        public int Chunks => Outstanding.Count;
    }
}
