namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Numba's nopython promise for the calls interceptors cannot redirect. Interceptors replace
    /// invocations of this compilation only, so a [Jit] method turned into a delegate (a method group,
    /// <c>new Func&lt;…&gt;(M)</c>, <c>&amp;M</c>) or called from another assembly would run its scalar
    /// body without a word. Each such use is PAR1016 at the use; a lambda that calls the method
    /// (<c>(x, y) =&gt; K.ArrSum(x, y)</c>) is a direct call and gets the kernel.
    /// </summary>
    internal static class IndirectUses
    {
        /// <summary>
        /// PAR1016 when <paramref name="name"/>, used other than by a call, is one of <paramref name="kernels"/>
        /// (a method group, <c>new Func&lt;…&gt;(M)</c>, <c>&amp;M</c>); null for anything else.
        /// </summary>
        public static CallSiteSpec? At(SimpleNameSyntax name, Compilation compilation, EquatableArray<KernelName> kernels, CancellationToken cancellationToken)
        {
            var info = compilation.GetSemanticModel(name.SyntaxTree).GetSymbolInfo(name, cancellationToken);
            if ((info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) is not IMethodSymbol method
                || method.GetDocumentationCommentId() is not { } key || !kernels.Any(k => k.Key == key))
            {
                return null;
            }

            SyntaxNode use = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
            return new CallSiteSpec(key, null, DiagnosticInfo.Create(
                DiagnosticDescriptors.JitIndirectUse,
                use,
                method.Name,
                "interceptors redirect direct calls only, and this makes a delegate or pointer of it; call it inside a lambda instead ((…) => " + method.Name + "(…)), or suppress PAR1016 where the scalar loop is what you want"));
        }

        /// <summary>
        /// The names of the static [Jit] methods of referenced assemblies, whose calls here run the scalar
        /// loop (PAR1016), and of every type of those assemblies. Only assemblies that reference Parallax can
        /// hold one, so the framework's are skipped by their reference list, without reading their types.
        /// </summary>
        public static ForeignKernels ForeignKernels(Compilation compilation, CancellationToken cancellationToken)
        {
            var names = new SortedSet<string>(System.StringComparer.Ordinal);
            var typeNames = new SortedSet<string>(System.StringComparer.Ordinal);
            foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
            {
                if (!assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "Parallax")))
                {
                    continue;
                }

                var types = new Stack<INamespaceOrTypeSymbol>();
                types.Push(assembly.GlobalNamespace);
                while (types.Count > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    foreach (var member in types.Pop().GetMembers())
                    {
                        if (member is INamespaceOrTypeSymbol container)
                        {
                            types.Push(container);
                            if (container is INamedTypeSymbol)
                            {
                                typeNames.Add(container.Name);
                            }
                        }
                        else if (member is IMethodSymbol { IsStatic: true } method && method.HasAttribute(KnownNames.JitAttribute))
                        {
                            names.Add(method.Name);
                        }
                    }
                }
            }

            return new(names.ToEquatableArray(), typeNames.ToEquatableArray());
        }

        /// <summary>PAR1016 for a call to a [Jit] method declared in another assembly, whose kernel no interceptor here reaches.</summary>
        public static CallSiteSpec Elsewhere(IMethodSymbol method, InvocationExpressionSyntax invocation)
        {
            string key = method.GetDocumentationCommentId() ?? method.ToDisplayString();
            var diagnostic = DiagnosticInfo.Create(
                DiagnosticDescriptors.JitIndirectUse,
                invocation,
                method.Name,
                $"it is declared in assembly '{method.ContainingAssembly.Name}', and interceptors act within one compilation; call it from a method of '{method.ContainingAssembly.Name}' without [Jit] (there the call is redirected) and call that one here, or suppress PAR1016 where the scalar loop is what you want");
            return new CallSiteSpec(key, null, diagnostic);
        }

        /// <summary>Whether <paramref name="node"/> is inside <c>nameof(…)</c>, where naming a kernel runs nothing.</summary>
        public static bool InNameof(SyntaxNode node) =>
            node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });
    }
}
