using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Parallax.Generator.Common;

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
                .OrderBy(e => (e.Capability, e.ContainingType, e.Member, e.Attribute), OrdinalTuple.Instance)
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

    // Ordinal, field by field: the manifest's order must not depend on the build machine's culture.
    private sealed class OrdinalTuple : System.Collections.Generic.IComparer<(string, string, string, string)>
    {
        public static readonly OrdinalTuple Instance = new();

        public int Compare((string, string, string, string) x, (string, string, string, string) y)
        {
            int c = string.CompareOrdinal(x.Item1, y.Item1);
            c = c != 0 ? c : string.CompareOrdinal(x.Item2, y.Item2);
            c = c != 0 ? c : string.CompareOrdinal(x.Item3, y.Item3);
            return c != 0 ? c : string.CompareOrdinal(x.Item4, y.Item4);
        }
    }
}
