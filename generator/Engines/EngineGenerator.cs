namespace Parallax.Generator.Engines;

/// <summary>
/// Builds the engine dispatch stubs: for every lambda or method group passed to a view's Apply,
/// ApplyAsync, ApplySync, Map or MapSync, and for every <c>[ParallelEngine]</c> method, a stub with a
/// stable id, argument and result codecs (MemoryPack), an invoker registered from a module initializer,
/// and (for view calls) an interceptor that sends the call instead of throwing.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class EngineGenerator : IIncrementalGenerator
{
    /// <summary>Step name of the parsed view call sites, tracked by the incrementality tests.</summary>
    public const string CallSitesStep = "EngineCallSites";

    /// <summary>Step name of the parsed <c>[ParallelEngine]</c> methods, tracked by the incrementality tests.</summary>
    public const string MethodsStep = "EngineMethods";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Calls are found by name in each file's text (see Invocations), then parsed with the semantic model.
        var callSites = Invocations.Trees(context)
            .SelectMany(static (tree, ct) => Invocations.Find(tree, Parser.Apis, ct))
            .Combine(context.CompilationProvider)
            .Select(static (pair, ct) => Parser.ParseCallSite(pair.Right.GetSemanticModel(pair.Left.SyntaxTree), pair.Left, ct))
            .Where(static r => r is not null)
            .Select(static (r, _) => r!)
            .WithTrackingName(CallSitesStep);

        var sites = callSites.Where(static r => r.Spec is not null).Select(static (r, _) => r.Spec!);
        context.RegisterSourceOutput(sites, static (spc, site) =>
            spc.AddSource("Engines." + site.Stub.ClassName + ".g.cs", Emitter.EmitCallSite(site)));

        context.ReportDiagnostics(callSites.Select(static (r, _) => r.Diagnostics));

        var methods = context.SyntaxProvider
            .ForAttributeWithMetadataName(KnownNames.ParallelEngineAttribute, static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax, static (ctx, ct) => Parser.ParseMethod(ctx, ct))
            .WithTrackingName(MethodsStep);

        context.RegisterSourceOutput(methods.Where(static r => r.Spec is not null).Select(static (r, _) => r.Spec!), static (spc, method) =>
            spc.AddSource("Engines." + Emitter.HintName(method) + ".g.cs", Emitter.EmitMethod(method)));
        context.ReportDiagnostics(methods.Select(static (r, _) => r.Diagnostics));
    }
}
