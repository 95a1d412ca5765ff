using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Parallax.Generator.Common;
using Parallax.Generator.Jit.Model;

namespace Parallax.Generator.Jit;

/// <summary>
/// [Jit]: turns a static method whose body is a plain scalar loop into a SIMD kernel at build time
/// and redirects every call to it in the compilation (interceptors). [Vectorize]: generates a span
/// overload of a scalar function with the same kernel machinery.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class JitGenerator : IIncrementalGenerator
{
    /// <summary>Step names tracked by the incrementality tests.</summary>
    public const string ParseStep = "JitParse";

    /// <inheritdoc cref="ParseStep"/>
    public const string SpecsStep = "JitSpecs";

    /// <inheritdoc cref="ParseStep"/>
    public const string CallSitesStep = "JitCallSites";

    /// <inheritdoc cref="ParseStep"/>
    public const string KernelsStep = "JitKernels";

    /// <inheritdoc cref="ParseStep"/>
    public const string IndirectUsesStep = "JitIndirectUses";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var jit = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.JitAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ParseJit(ctx, ct))
            .WithTrackingName(ParseStep);

        var vectorize = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.VectorizeAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ParseVectorize(ctx, ct))
            .WithTrackingName(ParseStep + "Vectorize");

        context.ReportDiagnostics(jit.Select(static (r, _) => r.Diagnostics));
        context.ReportDiagnostics(vectorize.Select(static (r, _) => r.Diagnostics));

        var callSites = context.SyntaxProvider.CreateSyntaxProvider(
                static (node, _) => node is InvocationExpressionSyntax,
                static (ctx, ct) => CallSite(ctx, ct))
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .Collect()
            .WithTrackingName(CallSitesStep);

        var kernels = jit.Select(static (r, _) => r.Spec)
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(SpecsStep)
            .Combine(callSites)
            .Select(static (pair, _) => (Spec: pair.Left, Calls: pair.Right.Where(c => c.Key == pair.Left.Key && c.Elsewhere is null).ToEquatableArray()))
            .WithTrackingName(KernelsStep);

        // Whether the project checks overflow decides if the generated code must say unchecked to wrap like the kernel.
        var options = context.CompilationProvider.Select(static (c, _) => new EmitOptions(CheckOverflow: c.Options.CheckOverflow));

        context.RegisterSourceOutput(kernels.Combine(options), static (spc, k) =>
            spc.AddSource(k.Left.Spec.HintName + ".g.cs", Emitter.Emit(k.Left.Spec, k.Left.Calls, k.Right, spc.CancellationToken)));

        // The nopython promise: a [Jit] method reached other than by a direct call of this compilation
        // (a method group, a delegate, a function pointer, a call from another assembly) would silently
        // run its scalar loop; each such use is PAR1016 instead (IndirectUses).
        var kernelKeys = jit.Select(static (r, _) => r.Spec is { } s ? new KernelName(s.Key, s.MethodName) : null)
            .Where(static k => k is not null)
            .Select(static (k, _) => k!)
            .Collect()
            .Select(static (keys, _) => keys.ToEquatableArray());
        var indirectUses = context.CompilationProvider.Combine(kernelKeys)
            .Select(static (pair, ct) => IndirectUses.Find(pair.Left, pair.Right, ct))
            .WithTrackingName(IndirectUsesStep);
        var foreignCalls = callSites.Select(static (calls, _) => calls.Where(c => c.Elsewhere is not null).Select(c => c.Elsewhere!).ToEquatableArray());
        context.RegisterSourceOutput(indirectUses.Combine(foreignCalls), static (spc, pair) =>
        {
            foreach (var info in pair.Left.Concat(pair.Right))
            {
                spc.ReportDiagnostic(info.ToDiagnostic());
            }
        });

        var vectorized = vectorize.Select(static (r, _) => r.Spec).Where(static s => s is not null).Select(static (s, _) => s!);
        context.RegisterSourceOutput(vectorized.Combine(options), static (spc, v) =>
            spc.AddSource(v.Left.HintName + ".g.cs", Emitter.Emit(v.Left, EquatableArray<CallSiteSpec>.Empty, v.Right, spc.CancellationToken)));
    }

    private static ParseResult ParseJit(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        var method = (IMethodSymbol)ctx.TargetSymbol;
        var attribute = ctx.Attributes[0];
        bool fastMath = NamedBool(attribute, "FastMath");
        bool parallel = NamedBool(attribute, "Parallel");
        return new Parser(ctx.SemanticModel, method, (MethodDeclarationSyntax)ctx.TargetNode, fastMath, parallel, ct).ParseJit();
    }

    private static ParseResult ParseVectorize(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        var method = (IMethodSymbol)ctx.TargetSymbol;

        // PAR0001 for a non-partial type is the manifest generator's to report; emit nothing here.
        if (PartialTypeCheck.Check(ctx.TargetNode, method.Name, "Vectorize") is not null)
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        return new Parser(ctx.SemanticModel, method, (MethodDeclarationSyntax)ctx.TargetNode, fastMath: NamedBool(ctx.Attributes[0], "FastMath"), parallel: false, ct).ParseVectorize();
    }

    private static bool NamedBool(AttributeData attribute, string name) =>
        attribute.NamedArguments.FirstOrDefault(a => a.Key == name).Value.Value is true;

    private static CallSiteSpec? CallSite(GeneratorSyntaxContext ctx, CancellationToken ct)
    {
        var invocation = (InvocationExpressionSyntax)ctx.Node;
        if (ctx.SemanticModel.GetSymbolInfo(invocation, ct).Symbol is not IMethodSymbol { IsStatic: true } method
            || !method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.JitAttribute))
        {
            return null;
        }

        if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, ctx.SemanticModel.Compilation.Assembly))
        {
            return IndirectUses.Elsewhere(method, invocation);
        }

        if (ctx.SemanticModel.GetInterceptableLocation(invocation, ct) is not { } location)
        {
            return null;
        }

        return new CallSiteSpec(method.GetDocumentationCommentId() ?? method.ToDisplayString(), location.Version, location.Data, location.GetDisplayLocation());
    }
}
