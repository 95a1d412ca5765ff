using System.Diagnostics;
using System.Globalization;

namespace Parallax.Samples;

/// <summary>
/// Times contenders the way a newcomer meets them and the way they run after: the first call of each
/// in this process (cold), then rounds in alternating order (A B, B A, ...) so that neither always
/// follows the other's garbage, reporting medians; each with the page faults it took (/proc/self/stat),
/// since on a virtual machine first-touch faults are often most of an allocating call.
/// </summary>
internal static class Interleaved
{
    /// <summary>One contender's figures: milliseconds and minor page faults, first call and median of the rounds.</summary>
    public sealed record Figures(double ColdMs, long ColdFaults, double WarmMs, long WarmFaults)
    {
        /// <summary>"12.3 ms (19.5k faults)".</summary>
        public static string Format(double ms, long faults) => $"{ms,6:F1} ms ({FormatFaults(faults)} faults)";

        private static string FormatFaults(long n) => n < 0 ? "n/a" : n >= 10_000 ? $"{n / 1000.0:F1}k" : n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One allocating contender's figures: the first call, then warm calls in each of the two states the
    /// memory of a new result can be in. Which one a warm call meets is the GC's choice and changes with
    /// everything the process did before (in the Notebook, with the sections that ran first), so a single
    /// warm figure measured the heap's history as much as the code.
    /// </summary>
    /// <param name="ColdMs">First call in this process.</param>
    /// <param name="ColdFaults">Its page faults.</param>
    /// <param name="FreshMs">Median warm call whose result lands on pages new to the process.</param>
    /// <param name="FreshFaults">Their page faults.</param>
    /// <param name="ReusedMs">Median warm call whose result lands on memory the GC has just freed.</param>
    /// <param name="ReusedFaults">Their page faults.</param>
    public sealed record AllocatingFigures(double ColdMs, long ColdFaults, double FreshMs, long FreshFaults, double ReusedMs, long ReusedFaults);

    /// <summary>Runs each contender once in order (cold), then <paramref name="rounds"/> interleaved rounds.</summary>
    public static Figures[] Measure(int rounds, params Action[] contenders) => Measure(rounds, before: null, contenders);

    /// <summary>
    /// Times contenders that each return a new large result, interleaved, in both states its memory can be
    /// in: fresh (every result is kept until the rounds end, so each call's pages are new to the process
    /// and take a fault each) and reused (the previous result dropped and a full collection before each
    /// call, outside the timing, so the GC hands back memory it has just freed, as BenchmarkDotNet's
    /// default forced collections do).
    /// </summary>
    public static AllocatingFigures[] MeasureAllocating(int rounds, params Func<object>[] contenders)
    {
        var kept = new List<object>();
        var fresh = Measure(rounds, before: null, [.. contenders.Select(c => (Action)(() => kept.Add(c())))]);
        kept.Clear();
        var reused = Measure(rounds, before: () => GC.Collect(), [.. contenders.Select(c => (Action)(() => c()))]);
        return [.. fresh.Select((f, i) => new AllocatingFigures(f.ColdMs, f.ColdFaults, f.WarmMs, f.WarmFaults, reused[i].WarmMs, reused[i].WarmFaults))];
    }

    private static Figures[] Measure(int rounds, Action? before, Action[] contenders)
    {
        var cold = contenders.Select(c => Time(c, before)).ToArray();
        var warm = contenders.Select(_ => new List<(double Ms, long Faults)>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int j = 0; j < contenders.Length; j++)
            {
                int i = r % 2 == 0 ? j : contenders.Length - 1 - j;
                warm[i].Add(Time(contenders[i], before));
            }
        }

        return [.. contenders.Select((_, i) => new Figures(
            cold[i].Ms, cold[i].Faults, Median(warm[i].Select(w => w.Ms)), (long)Median(warm[i].Select(w => (double)w.Faults))))];
    }

    private static (double Ms, long Faults) Time(Action run, Action? prepare)
    {
        prepare?.Invoke();
        long before = MinorFaults();
        var clock = Stopwatch.StartNew();
        run();
        double ms = clock.Elapsed.TotalMilliseconds;
        long after = MinorFaults();
        return (ms, before < 0 ? -1 : after - before);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    /// <summary>Field 10 of /proc/self/stat (after the parenthesised command name); -1 where there is no /proc.</summary>
    private static long MinorFaults()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
