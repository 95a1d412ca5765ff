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
    public const string KernelNamesStep = "JitKernelNames";

    /// <inheritdoc cref="ParseStep"/>
    public const string CandidatesStep = "JitCandidates";

    /// <inheritdoc cref="ParseStep"/>
    public const string BoundCallsStep = "JitBoundCalls";

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
                static (ctx, ct) => new Parser(ctx, ct).ParseJit())
            .WithTrackingName(ParseStep);

        var vectorize = context.SyntaxProvider.ForAttributeWithMetadataName(
                KnownNames.VectorizeAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => new Parser(ctx, ct).ParseVectorize())
            .WithTrackingName(ParseStep + "Vectorize");

        context.ReportDiagnostics(jit.Select(static (r, _) => r.Diagnostics));
        context.ReportDiagnostics(vectorize.Select(static (r, _) => r.Diagnostics));

        var specs = jit.Select(static (r, _) => r.Spec)
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(SpecsStep);

        // A project has few kernels and very many calls (Math.Max, ToString...). Asking the semantic model
        // about each call made this generator the slowest part of a large build, and even walking every
        // call's syntax cost more than MemoryPack's whole generator: a kernel's name is found in each file's
        // text, a call through a value (list.Add(x) when a kernel is named Add) is dropped from syntax, and
        // only what is left is bound. A call of another assembly's [Jit] method is found the same way, to
        // report PAR1016 at it, and so is a use of a kernel other than a call (a method group: PAR1016).
        var foreign = context.CompilationProvider.Select(static (c, ct) => IndirectUses.ForeignKernels(c, ct));
        var kernelNames = specs.Select(static (s, _) => s.MethodName).Collect().Combine(foreign)
            .Select(static (names, _) => names.Left.Concat(names.Right.Names).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(KernelNamesStep);
        var receivers = context.CompilationProvider.Combine(foreign).Select(static (pair, ct) => Receivers(pair.Left, pair.Right.TypeNames, ct));

        var candidates = Invocations.Trees(context).Combine(kernelNames.Combine(receivers))
            .SelectMany(static (pair, ct) => KernelUses(pair.Left, pair.Right.Left, pair.Right.Right, ct))
            .WithTrackingName(CandidatesStep);

        var kernelKeys = specs.Select(static (s, _) => new KernelName(s.Key, s.MethodName))
            .Collect()
            .Select(static (keys, _) => keys.ToEquatableArray());

        var callSites = candidates.Combine(context.CompilationProvider.Combine(kernelKeys))
            .Select(static (pair, ct) => pair.Left is InvocationExpressionSyntax invocation
                ? CallSite(invocation, pair.Right.Left, ct)
                : IndirectUses.At((SimpleNameSyntax)pair.Left, pair.Right.Left, pair.Right.Right, ct))
            .WithTrackingName(BoundCallsStep)
            .Where(static c => c is not null)
            .Select(static (c, _) => c!)
            .Collect()
            .WithTrackingName(CallSitesStep);

        var kernels = specs
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
        context.ReportDiagnostics(callSites
            .Select(static (calls, _) => calls.Where(c => c.Elsewhere is not null).Select(c => c.Elsewhere!).ToEquatableArray())
            .WithTrackingName(IndirectUsesStep)
            .SelectMany(static (diagnostics, _) => new[] { diagnostics }));

        var vectorized = vectorize.Select(static (r, _) => r.Spec).Where(static s => s is not null).Select(static (s, _) => s!);
        context.RegisterSourceOutput(vectorized.Combine(options), static (spc, v) =>
            spc.AddSource(v.Left.HintName + ".g.cs", Emitter.Emit(v.Left, EquatableArray<CallSiteSpec>.Empty, v.Right, spc.CancellationToken)));
    }

    /// <summary>
    /// Binds one call named like a kernel: a call site when it calls a static [Jit] method. Only calls in
    /// the project's own trees reach this step, so the compilation's model for the call's tree is at hand.
    /// </summary>
    private static CallSiteSpec? CallSite(InvocationExpressionSyntax invocation, Compilation compilation, CancellationToken ct)
    {
        if (!MayCallAStaticMethod(compilation, invocation, ct, out var receiverType))
        {
            return null;
        }

        var model = compilation.GetSemanticModel(invocation.SyntaxTree);
        var method = OnlyMethodNamed(receiverType, invocation) ?? model.GetSymbolInfo(invocation, ct).Symbol as IMethodSymbol;
        if (method is not { IsStatic: true } || !method.HasAttribute(KnownNames.JitAttribute))
        {
            return null;
        }

        if (!SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, compilation.Assembly))
        {
            return IndirectUses.Elsewhere(method, invocation);
        }

        if (model.GetInterceptableLocation(invocation, ct) is not { } location)
        {
            return null;
        }

        return new CallSiteSpec(method.GetDocumentationCommentId() ?? method.ToDisplayString(), InterceptedLocation.From(location));
    }

    /// <summary>
    /// The method a call <c>Type.Name(...)</c> calls when the type and its bases have one member of that name,
    /// a static [Jit] method that is not generic and takes as many arguments as given: no other method can
    /// be meant (a type receiver never reaches extension methods), so the call is known without binding it.
    /// Binding it binds the whole method it sits in, and on a fresh compilation the first binding of each
    /// body also loads what it calls (Math, string, List): on a 600-file library that was most of this
    /// generator's time, paid for calls the compiler binds again later anyway. Anything else returns null.
    /// </summary>
    private static IMethodSymbol? OnlyMethodNamed(INamedTypeSymbol? type, InvocationExpressionSyntax invocation)
    {
        if (type is null || invocation.Expression is not MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name })
        {
            return null;
        }

        IMethodSymbol? only = null;
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var member in t.GetMembers(name.Identifier.ValueText))
            {
                if (only is not null || member is not IMethodSymbol method)
                {
                    return null;
                }

                only = method;
            }
        }

        return only is { IsStatic: true, IsGenericMethod: false } && only.HasAttribute(KnownNames.JitAttribute)
            && only.Parameters.Length == invocation.ArgumentList.Arguments.Count
            && !only.Parameters.Any(static p => p.IsParams || p.IsOptional)
            ? only
            : null;
    }

    /// <summary>
    /// A kernel is static, so a call through a value (<c>list.Add(x)</c> when a kernel is named Add) is not
    /// one. Whether the receiver names a type is asked at the start of the enclosing member, where no local
    /// or parameter is in scope: that binds one name, where GetSymbolInfo binds the whole method body. A
    /// local that hides a type name is then read as the type, and the full binding that follows decides.
    /// <paramref name="receiverType"/> is the type the receiver names when no local or parameter can hide it.
    /// </summary>
    private static bool MayCallAStaticMethod(Compilation compilation, InvocationExpressionSyntax invocation, CancellationToken ct, out INamedTypeSymbol? receiverType)
    {
        receiverType = null;
        if (invocation.Expression is not MemberAccessExpressionSyntax access || invocation.FirstAncestorOrSelf<MemberDeclarationSyntax>() is not { } member)
        {
            return true;
        }

        ct.ThrowIfCancellationRequested();
        var info = compilation.GetSemanticModel(invocation.SyntaxTree).GetSpeculativeSymbolInfo(member.SpanStart, access.Expression, SpeculativeBindingOption.BindAsExpression);
        if (info.Symbol is INamedTypeSymbol type && Leftmost(access.Expression) is { } first && !IsLocalInScope(first))
        {
            receiverType = type;
        }

        return info.Symbol switch
        {
            null => info.CandidateSymbols.Any(static s => s is ITypeSymbol),
            ITypeSymbol => true,

            // "Color Color": a field or property named like its type also reaches the type's static members.
            var value => value.Name == (value as IFieldSymbol)?.Type.Name || value.Name == (value as IPropertySymbol)?.Type.Name,
        };
    }

    /// <summary>
    /// The uses of kernel names in one file that may reach a kernel, in source order: the calls not made
    /// through a value, and the names used other than by a call outside nameof (PAR1016 when one is a kernel).
    /// </summary>
    private static ImmutableArray<SyntaxNode> KernelUses(SyntaxTree tree, EquatableArray<string> names, EquatableArray<string> receivers, CancellationToken ct)
    {
        var uses = ImmutableArray.CreateBuilder<SyntaxNode>();
        foreach (var name in Invocations.Names(tree, names, ct, receivers))
        {
            if (Invocations.Calling(name) is not { } invocation)
            {
                if (!IndirectUses.InNameof(name))
                {
                    uses.Add(name);
                }
            }
            else if (invocation.Expression is not MemberBindingExpressionSyntax)
            {
                uses.Add(invocation);
            }
        }

        return Invocations.InSourceOrder(uses);
    }

    /// <summary>
    /// The names a receiver <c>r</c> in <c>r.Kernel(…)</c> can have, sorted ordinally: a kernel is static, so <c>r</c>
    /// names a type of this assembly, a type of an assembly with [Jit] methods, or a using alias of one (or is a
    /// value named like its type, "Color Color"). Any other receiver is a value: see Invocations.Names.
    /// </summary>
    private static EquatableArray<string> Receivers(Compilation compilation, EquatableArray<string> foreignTypes, CancellationToken ct)
    {
        var names = new HashSet<string>(compilation.Assembly.TypeNames, StringComparer.Ordinal);
        names.UnionWith(foreignTypes);
        foreach (var tree in compilation.SyntaxTrees)
        {
            for (var scopes = new Stack<SyntaxNode>([tree.GetRoot(ct)]); scopes.Count > 0;)
            {
                var (usings, members) = scopes.Pop() switch
                {
                    CompilationUnitSyntax unit => (unit.Usings, unit.Members),
                    BaseNamespaceDeclarationSyntax ns => (ns.Usings, ns.Members),
                    _ => default,
                };
                names.UnionWith(usings.Where(u => u.Alias is not null).Select(u => u.Alias!.Name.Identifier.ValueText));
                foreach (var member in members.OfType<BaseNamespaceDeclarationSyntax>())
                {
                    scopes.Push(member);
                }
            }
        }

        return names.OrderBy(n => n, StringComparer.Ordinal).ToEquatableArray();
    }

    /// <summary>The first name of a dotted receiver (<c>Bench</c> in <c>Bench.Kernels</c>), or null when it is not a plain name.</summary>
    private static IdentifierNameSyntax? Leftmost(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax name => name,
        MemberAccessExpressionSyntax access => Leftmost(access.Expression),
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="name"/> is declared as a local or parameter in a scope around it, read from
    /// syntax: the locals of every enclosing block (a local's scope is its whole block), the variables of
    /// for, foreach, using, fixed and catch, and the parameters of enclosing lambdas, local functions and
    /// the member. Pattern and out variables are not looked for: those fall through to the binding.
    /// </summary>
    private static bool IsLocalInScope(IdentifierNameSyntax name)
    {
        string text = name.Identifier.ValueText;
        bool Named(SyntaxToken identifier) => identifier.ValueText == text;
        bool InParameters(ParameterListSyntax? list) => list is not null && list.Parameters.Any(p => Named(p.Identifier));
        bool Declares(VariableDeclarationSyntax? declaration) => declaration is not null && declaration.Variables.Any(v => Named(v.Identifier));

        foreach (var scope in name.Ancestors())
        {
            bool found = scope switch
            {
                BlockSyntax block => block.Statements.Any(st => st is LocalDeclarationStatementSyntax local && Declares(local.Declaration)),
                SwitchSectionSyntax section => section.Statements.Any(st => st is LocalDeclarationStatementSyntax local && Declares(local.Declaration)),
                ForStatementSyntax loop => Declares(loop.Declaration),
                ForEachStatementSyntax loop => Named(loop.Identifier),
                UsingStatementSyntax statement => Declares(statement.Declaration),
                FixedStatementSyntax statement => Declares(statement.Declaration),
                CatchClauseSyntax clause => clause.Declaration is { } caught && Named(caught.Identifier),
                SimpleLambdaExpressionSyntax lambda => Named(lambda.Parameter.Identifier),
                ParenthesizedLambdaExpressionSyntax lambda => InParameters(lambda.ParameterList),
                AnonymousMethodExpressionSyntax method => InParameters(method.ParameterList),
                LocalFunctionStatementSyntax function => InParameters(function.ParameterList),
                BaseMethodDeclarationSyntax method => InParameters(method.ParameterList),
                _ => false,
            };
            if (found)
            {
                return true;
            }

            if (scope is MemberDeclarationSyntax)
            {
                return false;
            }
        }

        return false;
    }
}
