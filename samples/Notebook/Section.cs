using System.Diagnostics;

namespace Notebook;

/// <summary>One section of the seed notebook, reproduced in C#.</summary>
internal abstract class Section
{
    /// <summary>The seed's heading for this section.</summary>
    public abstract string Title { get; }

    /// <summary>Runs the section, printing what it did and how long it took.</summary>
    public abstract Task RunAsync(NotebookOptions options, CancellationToken cancellationToken);

    /// <summary>Runs each of <paramref name="sections"/> in turn, under its heading and with its time.</summary>
    public static async Task RunAsync(IEnumerable<Section> sections, NotebookOptions options, CancellationToken cancellationToken)
    {
        foreach (var section in sections)
        {
            Console.WriteLine();
            Console.WriteLine($"## {section.Title}");
            var clock = Stopwatch.StartNew();
            await section.RunAsync(options, cancellationToken);
            Console.WriteLine($"  section time: {clock.Elapsed.TotalMilliseconds:F0} ms");
        }
    }

    /// <summary>Says plainly that the capability this section needs has not landed yet.</summary>
    protected static Task NotYet(string capability)
    {
        Console.WriteLine($"  (not yet: {capability} has not landed in Parallax; this section will run it once it does)");
        return Task.CompletedTask;
    }
}

/// <summary>
/// Command-line options: <c>--quick</c> runs the sections on small sizes (CI's smoke run);
/// <c>--anchors</c> measures the Python anchors in the same run (anchors.py) instead of quoting recorded ones.
/// </summary>
internal sealed record NotebookOptions(bool Quick, string? Only)
{
    /// <summary>The help text of <c>--quick</c>, the same in every sample.</summary>
    public const string QuickHelp = "Small sizes (N = 500, 100 000 elements, factorial(20000)): CI's smoke run.";

    /// <summary>Whether the Python anchors are measured now (<c>--anchors</c>) rather than quoted from FIGURES.md.</summary>
    public bool Anchors { get; init; }

    /// <summary>The seed's matrix size, N = 5000, or 500 in a quick run.</summary>
    public int MatrixSize => Quick ? 500 : 5000;

    /// <summary>The seed's arr_sum length, 10M, or 100k in a quick run.</summary>
    public int ArraySize => Quick ? 100_000 : 10_000_000;

    /// <summary>The seed's factorial argument, 100 000, or 20 000 in a quick run.</summary>
    public int Factorial => Quick ? 20_000 : 100_000;
}
