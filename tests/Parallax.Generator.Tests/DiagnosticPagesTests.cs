using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Parallax.Generator.Diagnostics;

namespace Parallax.Generator.Tests;

/// <summary>Every PAR descriptor has its help page, the link users click leads to it, and the page agrees with it.</summary>
public class DiagnosticPagesTests
{
    private static readonly string Docs = Path.GetFullPath(Path.Combine(
        typeof(DiagnosticPagesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!,
        "..", "..", "docs"));

    private static IReadOnlyList<DiagnosticDescriptor> Descriptors() =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .ToList();

    [Fact]
    public void Every_descriptor_has_a_page_with_its_id_title_and_severity_and_links_to_it()
    {
        var descriptors = Descriptors();
        Assert.True(descriptors.Count > 25, $"found {descriptors.Count} descriptors");
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var d in descriptors)
        {
            Assert.Matches(@"^PAR\d{4}$", d.Id);
            string page = Path.Combine(Docs, "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id} has no help page at {page}");
            Assert.Equal("docs/diagnostics/" + d.Id + ".md", d.HelpLinkUri);

            var lines = File.ReadAllLines(page);
            Assert.StartsWith($"# {d.Id}: ", lines[0], StringComparison.Ordinal);
            Assert.Equal($"**Severity:** {d.DefaultSeverity.ToString().ToLowerInvariant()}", lines[2]);
            Assert.Contains("**Fix:**", File.ReadAllText(page));
        }

        // No page for an id that no longer exists.
        var ids = descriptors.Select(d => d.Id).ToHashSet();
        Assert.All(Directory.GetFiles(Path.Combine(Docs, "diagnostics"), "*.md"), f => Assert.Contains(Path.GetFileNameWithoutExtension(f), ids));
    }

    /// <summary>
    /// There is no public site to link to: the pages ship in the package, whose props pass their folder as
    /// ParallaxDiagnosticsHelp, and a reported diagnostic links to its page there (build/pack-and-consume.sh
    /// checks the same through a real package). Here the folder is the repository's, as in-repo projects get it.
    /// </summary>
    [Fact]
    public async Task Reported_diagnostics_link_to_their_page_on_this_machine()
    {
        var options = new BuildProperties(new Dictionary<string, string> { ["build_property.ParallaxDiagnosticsHelp"] = Docs + "/diagnostics/../diagnostics" });
        var compilation = Harness.GeneratorHarness.Compile("""
            using Parallax;
            public static class NotPartial { [Vectorize] public static double Twice(double x) => 2 * x; }
            public static class Work
            {
                public static int Count;
                [Thread] public static void Bump() => Count++;
            }
            """);
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            [new Parallax.Generator.Jit.JitGenerator().AsSourceGenerator()], optionsProvider: options, parseOptions: Harness.GeneratorHarness.ParseOptions);
        var generated = Assert.Single(driver.RunGenerators(compilation).GetRunResult().Diagnostics);
        var analyzed = Assert.Single(await compilation.WithAnalyzers([new Parallax.Generator.Threads.ThreadRaceAnalyzer()], new AnalyzerOptions([], options))
            .GetAnalyzerDiagnosticsAsync());
        foreach (var (diagnostic, id) in new[] { (generated, "PAR0001"), (analyzed, "PAR3001") })
        {
            Assert.Equal(id, diagnostic.Id);
            var link = new Uri(diagnostic.Descriptor.HelpLinkUri);
            Assert.True(link.IsFile, diagnostic.Descriptor.HelpLinkUri);
            Assert.Equal(Path.Combine(Docs, "diagnostics", id + ".md"), link.LocalPath);
            Assert.True(File.Exists(link.LocalPath));
        }
    }

    private sealed class BuildProperties(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options([]);

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    [Fact]
    public void The_jit_diagnostics_table_lists_every_jit_descriptor()
    {
        string jit = File.ReadAllText(Path.Combine(Docs, "jit.md"));
        foreach (var d in Descriptors().Where(d => d.Id.StartsWith("PAR1", StringComparison.Ordinal)))
        {
            Assert.Contains($"| [{d.Id}](diagnostics/{d.Id}.md) | {d.DefaultSeverity.ToString().ToLowerInvariant()} |", jit);
        }
    }
}
