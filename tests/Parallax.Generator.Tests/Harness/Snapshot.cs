using System.Reflection;
using System.Runtime.CompilerServices;

namespace Parallax.Generator.Tests.Harness;

/// <summary>
/// Golden-file snapshots of generated source. Expected files live in tests/Parallax.Generator.Tests/Snapshots;
/// set PARALLAX_ACCEPT=1 to write the current output as the new expectation, then review the git diff.
/// </summary>
public static class Snapshot
{
    private static readonly string ProjectDirectory =
        typeof(Snapshot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProjectDirectory").Value!;

    public static bool Accepting => Environment.GetEnvironmentVariable("PARALLAX_ACCEPT") == "1";

    /// <summary>Compares every generated source of <paramref name="run"/> with Snapshots/<paramref name="name"/>/&lt;hint name&gt;.</summary>
    public static void Verify(GeneratorRun run, [CallerMemberName] string name = "")
    {
        var directory = Path.Combine(ProjectDirectory, "Snapshots", name);
        var actual = run.Sources;
        if (Accepting)
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            Directory.CreateDirectory(directory);
            foreach (var (hint, text) in actual)
            {
                File.WriteAllText(Path.Combine(directory, hint), Normalize(text));
            }

            return;
        }

        Assert.True(Directory.Exists(directory), $"no snapshot at {directory}: run the tests with PARALLAX_ACCEPT=1 and review the files it writes");
        var expectedFiles = Directory.GetFiles(directory).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(expectedFiles, actual.Keys.Order().ToArray());
        foreach (var (hint, text) in actual)
        {
            var expected = File.ReadAllText(Path.Combine(directory, hint));
            var diff = Diff(Normalize(expected), Normalize(text));
            Assert.True(diff is null, $"{hint} differs from its snapshot (PARALLAX_ACCEPT=1 re-accepts):\n{diff}");
        }
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A readable diff: the first differing line with a few lines of context, or null when equal.</summary>
    public static string? Diff(string expected, string actual)
    {
        if (expected == actual)
        {
            return null;
        }

        var e = expected.Split('\n');
        var a = actual.Split('\n');
        int first = 0;
        while (first < e.Length && first < a.Length && e[first] == a[first])
        {
            first++;
        }

        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"first difference at line {first + 1} (expected {e.Length} lines, got {a.Length}):");
        for (int i = Math.Max(0, first - 3); i < Math.Min(Math.Max(e.Length, a.Length), first + 6); i++)
        {
            string? el = i < e.Length ? e[i] : null;
            string? al = i < a.Length ? a[i] : null;
            if (el == al)
            {
                sb.AppendLine("  " + el);
            }
            else
            {
                if (el is not null) sb.AppendLine("- " + el);
                if (al is not null) sb.AppendLine("+ " + al);
            }
        }

        return sb.ToString();
    }
}
