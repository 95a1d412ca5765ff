namespace Parallax.CodeFixes;

/// <summary>
/// The ids of the generator's diagnostics that have a fix. Written here, not referenced, because the fixes
/// load in IDEs beside the generator, never with it; a test checks each against the generator's descriptor.
/// </summary>
internal static class DiagnosticIds
{
    /// <summary>PAR0001: a type around an annotated method is not partial.</summary>
    public const string ContainingTypeNotPartial = "PAR0001";

    /// <summary>PAR1100: a floating-point reduction stays scalar without FastMath.</summary>
    public const string JitExactReduction = "PAR1100";

    /// <summary>PAR3002: a [Thread] class is not partial.</summary>
    public const string ThreadClassNotPartial = "PAR3002";
}
