namespace Parallax.Generator.Manifest;

internal static class ManifestEmitter
{
    public static string Emit(EquatableArray<ManifestEntrySpec> entries)
    {
        var w = new SourceWriter();
        w.Line(SourceWriter.Header);
        w.OpenBlock("namespace " + KnownNames.InterceptorsNamespace);
        w.Line("/// <summary>The members of this assembly that carry a Parallax attribute, as the generator found them.</summary>");
        w.Line(SourceWriter.GeneratedCodeAttribute);
        w.OpenBlock("internal static class ParallaxManifest");
        w.Line("/// <summary>One entry per annotated member: capability, attribute, containing type, member (empty for a type).</summary>");
        w.OpenBlock("public static global::System.Collections.Generic.IReadOnlyList<(string Capability, string Attribute, string Type, string Member)> Entries { get; } = new (string, string, string, string)[]");
        foreach (var e in entries)
        {
            w.Line($"({CSharpLiteral.Format(e.Capability)}, {CSharpLiteral.Format(e.Attribute)}, {CSharpLiteral.Format(e.ContainingType)}, {CSharpLiteral.Format(e.Member)}),");
        }

        w.CloseBlock(";");
        w.CloseBlock();
        w.CloseBlock();
        return w.ToString();
    }
}
