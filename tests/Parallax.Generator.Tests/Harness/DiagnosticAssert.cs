using Microsoft.CodeAnalysis;

namespace Parallax.Generator.Tests.Harness;

/// <summary>
/// An expected diagnostic: id, the source text it points at, and optionally its first message
/// arguments (a diagnostic whose later arguments explain and advise can be matched on the leading ones).
/// </summary>
public sealed record ExpectedDiagnostic(string Id, string SpanText, params string[] Arguments);

/// <summary>Asserts the exact diagnostics a generator run reports.</summary>
public static class DiagnosticAssert
{
    /// <summary>
    /// Asserts that the run's PAR diagnostics are exactly <paramref name="expected"/>, matching id, the
    /// source text under the span and, where given, the leading message arguments.
    /// </summary>
    public static void Exactly(GeneratorRun run, params ExpectedDiagnostic[] expected)
    {
        var actual = run.AllDiagnostics.Where(d => d.Id.StartsWith("PAR", StringComparison.Ordinal))
            .OrderBy(d => d.Location.SourceSpan.Start).ToArray();
        // Generators report locations as values (file path and span), so the text is looked up by path.
        string SpanText(Diagnostic d)
        {
            var tree = d.Location.SourceTree ?? run.Output.SyntaxTrees.FirstOrDefault(t => t.FilePath == d.Location.GetLineSpan().Path);
            return tree?.GetText().ToString(d.Location.SourceSpan) ?? "<no location>";
        }

        string Describe(Diagnostic d) => $"{d.Id} at '{SpanText(d)}': {d.GetMessage()}";
        Assert.True(actual.Length == expected.Length,
            $"expected {expected.Length} diagnostics, got {actual.Length}:\n" + string.Join("\n", actual.Select(Describe)));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(expected[i].SpanText, SpanText(actual[i]));
            if (expected[i].Arguments.Length > 0)
            {
                var args = ArgumentsOf(actual[i]);
                Assert.True(args.Length >= expected[i].Arguments.Length, $"{Describe(actual[i])} has {args.Length} arguments, expected at least {expected[i].Arguments.Length}");
                Assert.Equal(expected[i].Arguments, args.Take(expected[i].Arguments.Length));
            }
        }
    }

    private static string[] ArgumentsOf(Diagnostic d)
    {
        // Roslyn keeps message arguments on the diagnostic; they are what users see interpolated.
        var property = d.GetType().GetProperty("Arguments", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
        var values = property?.GetValue(d) as IEnumerable<object?> ?? [];
        return values.Select(v => v?.ToString() ?? "").ToArray();
    }
}
