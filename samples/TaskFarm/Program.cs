using System.Diagnostics;
using System.Globalization;
using Parallax;

// dotnet run -c Release --project samples/TaskFarm [-- --tasks 10000 --samples 20000]
var tasks = Option("--tasks", 10_000);
var samples = Option("--samples", 20_000);

await using var cluster = await Cluster.StartAsync(engines: 3);
var cl = cluster.Client;
var lv = cl.LoadBalancedView();
Console.WriteLine($"{cl.Ids.Count} engines; estimating pi from {tasks:N0} tasks of {samples:N0} random points each");

// 1. The whole map, with a live progress line.
var clock = Stopwatch.StartNew();
var map = lv.MapAsync(seed => Darts.Hits(seed, samples), Enumerable.Range(0, tasks), progress: new ProgressLine());
var hits = await map;
Console.WriteLine();
var pi = 4.0 * hits.Sum() / ((double)tasks * samples);
Console.WriteLine($"pi ~ {pi:F6} (error {Math.Abs(pi - Math.PI):E1}) in {clock.Elapsed.TotalSeconds:F2} s; tasks per engine: {string.Join(", ", map.EngineIds.GroupBy(id => id).OrderBy(g => g.Key).Select(g => $"engine {g.Key} ran {g.Count()}"))}");

// 2. The same with ten times the points per task, cancelled after one second: tasks still waiting
//    never start, the ones running finish their point (they are short), and the engines stay.
cl[..].ApplySync(() => Engine.Set("ran", 0));
var longer = lv.MapAsync(seed => Darts.CountedHits(seed, samples * 10), Enumerable.Range(0, tasks), progress: new ProgressLine());
await Task.Delay(TimeSpan.FromSeconds(1));
var cancelledAt = Stopwatch.StartNew();
longer.Cancel();
try
{
    await longer;
}
catch (OperationCanceledException)
{
}

Console.WriteLine();
var ranOnEngines = cl[..].PullSync<int>("ran").Sum();
Console.WriteLine($"cancelled after 1 s: the map was over {cancelledAt.Elapsed.TotalMilliseconds:F1} ms after Cancel(); {longer.Completed:N0} of {longer.Total:N0} tasks ran ({ranOnEngines:N0} counted on the engines), the other {longer.Total - ranOnEngines:N0} never started");
Console.WriteLine($"the engines are still usable: {string.Join(", ", cl[..].ApplySync(() => $"engine {Engine.Id} answers"))}; a new map gives {lv.MapSync(x => x * x, new[] { 1, 2, 3 }).Sum()} for 1 + 4 + 9");

static int Option(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>The work of one task: throw darts at the unit square, count those inside the quarter circle.</summary>
public static class Darts
{
    public static long Hits(int seed, int samples)
    {
        var random = new Random(seed);
        long inside = 0;
        for (var i = 0; i < samples; i++)
        {
            var (x, y) = (random.NextDouble(), random.NextDouble());
            if ((x * x) + (y * y) <= 1)
            {
                inside++;
            }
        }

        return inside;
    }

    /// <summary>As <see cref="Hits"/>, counting on the engine that it ran ("ran"), so the sample can check that no cancelled task started.</summary>
    public static long CountedHits(int seed, int samples)
    {
        Engine.Set("ran", Engine.Get<int>("ran") + 1);
        return Hits(seed, samples);
    }
}

/// <summary>A progress line redrawn in place, at most ten times a second.</summary>
internal sealed class ProgressLine : IProgress<MapProgress>
{
    private readonly Stopwatch since = Stopwatch.StartNew();
    private long last = -1;

    public void Report(MapProgress value)
    {
        var now = since.ElapsedMilliseconds;
        var before = Volatile.Read(ref last);
        if (value.Completed < value.Total && before >= 0 && now - before < 100)
        {
            return;
        }

        Volatile.Write(ref last, now);
        const int width = 40;
        var filled = value.Total == 0 ? width : (int)((long)value.Completed * width / value.Total);
        lock (this)
        {
            Console.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {value.Completed,6:N0} / {value.Total:N0} tasks, {now / 1000.0:F1} s");
        }
    }
}
