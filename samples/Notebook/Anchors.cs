using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Notebook;

/// <summary>
/// The Python figures the notebook compares with. By default the ones recorded on this VM kind
/// (../shared/anchors/FIGURES.md, 2026-12-03: AMD EPYC Zen 5, 2 cores), printed with where and when
/// they were measured; with <c>--anchors</c>, measured now by anchors.py (numpy, numba, threading,
/// ipyparallel) in a child process, once, the first time a section asks, so that no comparison is
/// against a number from another machine or another week.
/// </summary>
internal static class Anchors
{
    private const string RecordedWhere = "recorded 2026-12-03 on this VM kind (AMD EPYC Zen 5, 2 cores; ../shared/anchors/FIGURES.md; --anchors measures them now)";

    // Seconds; a range where FIGURES.md recorded several runs.
    private static readonly Dictionary<string, (string What, double Low, double High)> Recorded = new()
    {
        ["numpy_dot"] = ("numpy a @ b", 2.83, 2.83),
        ["python_loop"] = ("plain Python loop", 2.51, 2.51),
        ["numba_first"] = ("numba @jit first call", 0.464, 0.464),
        ["numba_warm"] = ("numba warm", 0.0547, 0.0547),
        ["numpy_add"] = ("numpy x + y", 0.0175, 0.0175),
        ["factorial_1"] = ("CPython factorial, 1 thread", 2.08, 2.08),
        ["factorial_2"] = ("2 threads", 3.97, 3.97),
        ["ipp_start"] = ("ipyparallel start 3 engines", 6.96, 6.96),
        ["ipp_roundtrip"] = ("ipyparallel apply round trip", 0.0075, 0.0109),
        ["ipp_push"] = ("ipyparallel push", 7.0, 8.5),
        ["ipp_dot"] = ("ipyparallel execute np.dot", 8.8, 9.2),
        ["ipp_pull"] = ("ipyparallel pull", 2.6, 3.0),
    };

    private static Dictionary<string, double>? measured;
    private static string? failure;

    /// <summary>The anchor in seconds (the middle of a recorded range), measured now when <c>--anchors</c> asked for it and it could be.</summary>
    public static double Seconds(NotebookOptions options, string key)
    {
        var now = Measured(options);
        return now is not null && now.TryGetValue(key, out double s) ? s : (Recorded[key].Low + Recorded[key].High) / 2;
    }

    /// <summary>Whether the anchors were measured in this run (<c>--anchors</c>), not read from the recorded ranges.</summary>
    public static bool IsMeasured(NotebookOptions options) => Measured(options) is not null;

    /// <summary>Whether the anchors are for this run's sizes: measured now, or recorded and the sizes are the full ones.</summary>
    public static bool IsComparable(NotebookOptions options) => !options.Quick || Measured(options) is not null;

    /// <summary>"0.26x ipyparallel push": <paramref name="seconds"/> against the anchor (&lt; 1 means faster than Python).</summary>
    public static string Ratio(NotebookOptions options, double seconds, string key) =>
        !IsComparable(options)
            ? $"no ratio: the recorded {Recorded[key].What} is for the full sizes"
            : $"{(seconds / Seconds(options, key)).ToString("F2", CultureInfo.InvariantCulture)}x {Recorded[key].What}";

    /// <summary>"anchors (Python, measured now in this run): numba @jit first call 464 ms, numba warm 54.7 ms".</summary>
    public static string Describe(NotebookOptions options, params string[] keys)
    {
        var now = Measured(options);
        bool live = now is not null && keys.All(now.ContainsKey);
        var parts = keys.Select(k => $"{Recorded[k].What} {(live ? Format(now![k], now[k]) : Format(Recorded[k].Low, Recorded[k].High))}");
        string where = live ? "measured now in this run, same sizes" : RecordedWhere + (options.Quick ? ", at the full sizes" : "") + (failure is null ? "" : $"; not measured now: {failure}");
        return $"Python anchors ({where}): {string.Join(", ", parts)}";
    }

    private static string Format(double low, double high)
    {
        static string One(double s) => s < 1 ? (s * 1000).ToString(s < 0.1 ? "F1" : "F0", CultureInfo.InvariantCulture) : s.ToString("F2", CultureInfo.InvariantCulture);
        string unit = high < 1 ? "ms" : "s";
        return low == high ? $"{One(low)} {unit}" : $"{One(low)}–{One(high)} {unit}";
    }

    private static Dictionary<string, double>? Measured(NotebookOptions options)
    {
        if (!options.Anchors || measured is not null || failure is not null)
        {
            return measured;
        }

        Console.WriteLine("  (--anchors: running the Python side now, anchors.py with numpy, numba, threading and ipyparallel; about a minute)");
        var script = Path.Combine(AppContext.BaseDirectory, "anchors.py");
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            failure = $"{python} not found (../shared/anchors/setup.sh installs the Python stack)";
            return null;
        }

        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, options.MatrixSize.ToString(CultureInfo.InvariantCulture), options.ArraySize.ToString(CultureInfo.InvariantCulture), options.Factorial.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        // Debian's OpenBLAS misdetects this CPU and runs about 6x slow without it (docs/linalg.md).
        start.Environment["OPENBLAS_CORETYPE"] = "SkylakeX";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            failure = $"anchors.py exited with {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}";
            return null;
        }

        measured = JsonSerializer.Deserialize<Dictionary<string, double>>(lines[^1]);
        return measured;
    }
}
