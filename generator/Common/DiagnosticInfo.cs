using Microsoft.CodeAnalysis.Diagnostics;

namespace Parallax.Generator.Common;

/// <summary>
/// A diagnostic as plain values. Generators report these from a separate pipeline branch so that a
/// diagnostic-only change never regenerates source.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        Create(descriptor, node.GetLocation(), arguments);

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor, LocationInfo.From(location), arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic(string? helpRoot) =>
        Diagnostic.Create(HelpLinks.For(Descriptor, helpRoot), Location?.ToLocation(), System.Linq.Enumerable.ToArray<object>(Arguments));
}

internal static class DiagnosticReporting
{
    // The compiler's own message format, without its int[*,*] for a multidimensional array: users write int[,].
    private static readonly SymbolDisplayFormat MessageFormat = SymbolDisplayFormat.CSharpErrorMessageFormat
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.UseAsterisksInMultiDimensionalArrays);

    /// <summary>A symbol as a diagnostic's message names it: as C# writes it (<c>System.Func&lt;double[,], int?&gt;</c>).</summary>
    public static string ToMessageString(this ISymbol symbol) => symbol.ToDisplayString(MessageFormat);

    /// <summary>Registers the output that turns collected <see cref="DiagnosticInfo"/> values into diagnostics.</summary>
    public static void ReportDiagnostics(
        this IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics)
    {
        var helpRoot = context.AnalyzerConfigOptionsProvider.Select(static (options, _) => HelpLinks.Root(options));
        context.RegisterSourceOutput(diagnostics.Combine(helpRoot), static (spc, pair) =>
        {
            foreach (var info in pair.Left)
            {
                spc.ReportDiagnostic(info.ToDiagnostic(pair.Right));
            }
        });
    }
}

/// <summary>
/// Help links that lead somewhere. Each descriptor names its page's path in the package and the repository,
/// docs/diagnostics/PAR####.md (there is no public site to link to). The package's props pass the folder
/// the pages were restored to as the ParallaxDiagnosticsHelp build property, and every diagnostic is
/// reported with a file: link to its page there, which exists on the machine that built.
/// </summary>
internal static class HelpLinks
{
    /// <summary>The analyzer config key of the build property.</summary>
    public const string Property = "build_property.ParallaxDiagnosticsHelp";

    /// <summary>The folder of the help pages this build was given, or null.</summary>
    public static string? Root(AnalyzerConfigOptionsProvider options) =>
        options.GlobalOptions.TryGetValue(Property, out var root) && !string.IsNullOrWhiteSpace(root) ? root : null;

    /// <summary><paramref name="descriptor"/> with its link made a file: URL into <paramref name="root"/> (unchanged without one).</summary>
    public static DiagnosticDescriptor For(DiagnosticDescriptor descriptor, string? root)
    {
        if (root is null)
        {
            return descriptor;
        }

        string folder = root.EndsWith("/", System.StringComparison.Ordinal) || root.EndsWith("\\", System.StringComparison.Ordinal) ? root : root + "/";
        string link = new System.Uri(new System.Uri(folder), descriptor.Id + ".md").AbsoluteUri;
        return new DiagnosticDescriptor(
            descriptor.Id, descriptor.Title, descriptor.MessageFormat, descriptor.Category, descriptor.DefaultSeverity,
            descriptor.IsEnabledByDefault, descriptor.Description, link, System.Linq.Enumerable.ToArray(descriptor.CustomTags));
    }
}
