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

    /// <summary>Runs each contender once in order (cold), then <paramref name="rounds"/> interleaved rounds.</summary>
    public static Figures[] Measure(int rounds, params Action[] contenders)
    {
        var cold = contenders.Select(Time).ToArray();
        var warm = contenders.Select(_ => new List<(double Ms, long Faults)>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int j = 0; j < contenders.Length; j++)
            {
                int i = r % 2 == 0 ? j : contenders.Length - 1 - j;
                warm[i].Add(Time(contenders[i]));
            }
        }

        return [.. contenders.Select((_, i) => new Figures(
            cold[i].Ms, cold[i].Faults, Median(warm[i].Select(w => w.Ms)), (long)Median(warm[i].Select(w => (double)w.Faults))))];
    }

    private static (double Ms, long Faults) Time(Action run)
    {
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
