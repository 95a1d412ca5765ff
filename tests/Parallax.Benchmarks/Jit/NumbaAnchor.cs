using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Parallax.Benchmarks.Jit;

/// <summary>Names the line of <c>jit_kernels.py</c>'s output whose figure is this benchmark's numba anchor.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NumbaAnchorAttribute(string line) : Attribute
{
    /// <summary>The text before the colon, e.g. "blur 2000^2 numba njit".</summary>
    public string Line { get; } = line;
}

/// <summary>
/// Runs numba's side of issue 13's kernels (<c>shared/anchors/jit_kernels.py</c>, Debian's numba) once in the
/// benchmark session, right after BenchmarkDotNet's runs, and puts each figure in the row it anchors,
/// with the ratio to that row's median. The script is found by walking up from the working directory
/// and the binaries (the repository sits beside <c>shared/</c>), or at <c>PARALLAX_ANCHORS</c>.
/// </summary>
public static class NumbaAnchor
{
    private static readonly Lazy<IReadOnlyDictionary<string, double>> Figures = new(Run);

    /// <summary>Where the script was found, or why numba's figures are missing.</summary>
    public static string Status { get; private set; } = "not run";

    private static IReadOnlyDictionary<string, double> Run()
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        const string python = "/usr/bin/python3";
        var script = Find();
        if (script is null || !File.Exists(python))
        {
            Status = "jit_kernels.py or /usr/bin/python3 not found (set PARALLAX_ANCHORS; shared/anchors/setup.sh installs numba)";
            return figures;
        }

        var start = new ProcessStartInfo(python, [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        foreach (Match m in Regex.Matches(output, @"^(?<key>[^:\n]+): (?<ms>[0-9.]+) ms", RegexOptions.Multiline))
        {
            figures[m.Groups["key"].Value.Trim()] = double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture);
        }

        Status = process.ExitCode == 0 ? $"{script}, load average {LoadAverage()}" : $"{script} failed ({process.ExitCode}): {error.Trim()}";
        Console.WriteLine($"// numba anchors ({Status}):\n{output}");
        return figures;
    }

    /// <summary><c>shared/anchors/jit_kernels.py</c>: at <c>PARALLAX_ANCHORS</c>, or walking up from the working directory and the binaries.</summary>
    internal static string? Find()
    {
        if (Environment.GetEnvironmentVariable("PARALLAX_ANCHORS") is { Length: > 0 } dir && File.Exists(Path.Combine(dir, "jit_kernels.py")))
        {
            return Path.Combine(dir, "jit_kernels.py");
        }

        foreach (var from in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(from); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "shared", "anchors", "jit_kernels.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>numba's figure in milliseconds for <paramref name="benchmark"/>'s anchor line, if it has one and the script ran.</summary>
    public static double? For(BenchmarkCase benchmark) =>
        benchmark.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(NumbaAnchorAttribute), false) is [NumbaAnchorAttribute a]
        && Figures.Value.TryGetValue(a.Line, out double ms) ? ms : null;

    /// <summary>numba's figure for the row.</summary>
    public sealed class FigureColumn : IColumn
    {
        public string Id => "numba";
        public string ColumnName => "numba (same session)";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "numba 0.56's median for the same kernel, from shared/anchors/jit_kernels.py run in this session";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            For(benchmarkCase) is { } ms ? ms.ToString("F1", CultureInfo.InvariantCulture) + " ms" : "-";
    }

    /// <summary>numba's figure over the row's median: above 1 the row beats numba.</summary>
    public sealed class RatioColumn : IColumn
    {
        public string Id => "numba-ratio";
        public string ColumnName => "numba / row";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "numba's figure divided by this row's median (above 1: faster than numba)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            For(benchmarkCase) is { } ms && summary[benchmarkCase]?.ResultStatistics?.Median is { } ns and > 0
                ? (ms * 1e6 / ns).ToString("F2", CultureInfo.InvariantCulture) + "x"
                : "-";
    }

    /// <summary>Adds both columns and the median to a benchmark class.</summary>
    public sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Median, new FigureColumn(), new RatioColumn());
        }
    }
}
