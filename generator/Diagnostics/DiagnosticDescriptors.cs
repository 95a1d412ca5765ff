using Microsoft.CodeAnalysis;

namespace Parallax.Generator.Diagnostics;

/// <summary>
/// Every diagnostic Parallax reports, one descriptor per reason. Ids are PAR####, each with a help
/// page at docs/diagnostics/PAR####.md. Ranges: 0001-0099 general, 1000-1999 [Jit]/[Vectorize],
/// 2000-2999 engines, 3000-3999 threads.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string HelpRoot = "https://github.com/parallax-dotnet/parallax/blob/main/docs/diagnostics/";

    internal static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: HelpRoot + id + ".md");

    /// <summary>PAR0001: an annotated method's containing types must be partial so the generator can add members beside it.</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "PAR0001",
        "Containing type must be partial",
        "'{0}' is annotated with [{1}], so its containing type '{2}' and every type enclosing it must be declared partial",
        "Parallax.Usage",
        DiagnosticSeverity.Error);

    // ---- [Jit] and [Vectorize]: PAR1000-PAR1999 (add below this line) ----



    // ---- Engines: PAR2000-PAR2999 (add below this line) ----



    // ---- Threads: PAR3000-PAR3999 (add below this line) ----



}
