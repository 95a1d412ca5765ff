using Microsoft.CodeAnalysis;

namespace Parallax.Generator.Common;

/// <summary>
/// A diagnostic as plain values. Generators report these from a separate pipeline branch so that a
/// diagnostic-only change never regenerates source.
/// </summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        new(descriptor, LocationInfo.From(node), arguments.ToEquatableArray());

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor, LocationInfo.From(location), arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic() =>
        Diagnostic.Create(Descriptor, Location?.ToLocation(), System.Linq.Enumerable.ToArray<object>(Arguments));
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
        context.RegisterSourceOutput(diagnostics, static (spc, infos) =>
        {
            foreach (var info in infos)
            {
                spc.ReportDiagnostic(info.ToDiagnostic());
            }
        });
    }
}
