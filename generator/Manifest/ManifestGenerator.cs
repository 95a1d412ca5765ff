namespace Parallax.Generator.Manifest;

/// <summary>
/// Emits <c>Parallax.Generated.ParallaxManifest</c>: every Parallax-annotated member the compilation
/// declares. Users and tools read it to see what the generator picked up; the samples print it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ManifestGenerator : IIncrementalGenerator
{
    /// <summary>Step name tracked by the incrementality tests.</summary>
    public const string EntriesStep = "ManifestEntries";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var jit = Collect(context, KnownNames.JitAttribute, "Jit", "Jit");
        var vectorize = Collect(context, KnownNames.VectorizeAttribute, "Jit", "Vectorize");
        var engine = Collect(context, KnownNames.ParallelEngineAttribute, "Engines", "ParallelEngine");
        var thread = Collect(context, KnownNames.ThreadAttribute, "Threads", "Thread");
        var daemon = Collect(context, KnownNames.DaemonAttribute, "Threads", "Daemon");

        var all = jit.Combine(vectorize).Combine(engine).Combine(thread).Combine(daemon)
            .Select(static (t, _) => t.Left.Left.Left.Left
                .Concat(t.Left.Left.Left.Right)
                .Concat(t.Left.Left.Right)
                .Concat(t.Left.Right)
                .Concat(t.Right)
                .OrderBy(e => e.Capability, StringComparer.Ordinal).ThenBy(e => e.ContainingType, StringComparer.Ordinal)
                .ThenBy(e => e.Member, StringComparer.Ordinal).ThenBy(e => e.Attribute, StringComparer.Ordinal)
                .ToEquatableArray())
            .WithTrackingName(EntriesStep);

        context.RegisterSourceOutput(all, static (spc, entries) => spc.AddSource("ParallaxManifest.g.cs", ManifestEmitter.Emit(entries)));
    }

    private static IncrementalValueProvider<ImmutableArray<ManifestEntrySpec>> Collect(
        IncrementalGeneratorInitializationContext context, string attributeName, string capability, string attribute) =>
        context.SyntaxProvider.ForAttributeWithMetadataName(
                attributeName,
                static (_, _) => true,
                (ctx, _) => new ManifestEntrySpec(
                    capability,
                    attribute,
                    (ctx.TargetSymbol as INamedTypeSymbol ?? ctx.TargetSymbol.ContainingType)?.ToDisplayString() ?? string.Empty,
                    ctx.TargetSymbol is INamedTypeSymbol ? string.Empty : ctx.TargetSymbol.Name))
            .Collect();
}
