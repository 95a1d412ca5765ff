using System.Reflection;
using Microsoft.CodeAnalysis;
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
            Assert.EndsWith("/docs/diagnostics/" + d.Id + ".md", d.HelpLinkUri, StringComparison.Ordinal);
            Assert.StartsWith("https://", d.HelpLinkUri, StringComparison.Ordinal);

            var lines = File.ReadAllLines(page);
            Assert.StartsWith($"# {d.Id}: ", lines[0], StringComparison.Ordinal);
            Assert.Equal($"**Severity:** {d.DefaultSeverity.ToString().ToLowerInvariant()}", lines[2]);
            Assert.Contains("**Fix:**", File.ReadAllText(page));
        }

        // No page for an id that no longer exists.
        var ids = descriptors.Select(d => d.Id).ToHashSet();
        Assert.All(Directory.GetFiles(Path.Combine(Docs, "diagnostics"), "*.md"), f => Assert.Contains(Path.GetFileNameWithoutExtension(f), ids));
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
