namespace Parallax.Generator.Common;

/// <summary>Metadata names of the runtime's attributes, which the generator finds by name only.</summary>
internal static class KnownNames
{
    public const string JitAttribute = "Parallax.JitAttribute";
    public const string VectorizeAttribute = "Parallax.VectorizeAttribute";
    public const string ParallelEngineAttribute = "Parallax.ParallelEngineAttribute";
    public const string ThreadAttribute = "Parallax.ThreadAttribute";
    public const string DaemonAttribute = "Parallax.DaemonAttribute";

    /// <summary>The namespace generated interceptors live in; the package's props opt consumers into it.</summary>
    public const string InterceptorsNamespace = "Parallax.Generated";

    /// <summary>Whether <paramref name="symbol"/> carries the attribute of that full name (one not nested in a type).</summary>
    public static bool HasAttribute(this ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == metadataName);
}
