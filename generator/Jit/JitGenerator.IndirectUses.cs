using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Parallax.Generator.Common;
using Parallax.Generator.Diagnostics;
using Parallax.Generator.Jit.Model;

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
        /// Every use of a kernel's method other than a direct call. A kernel's name is searched in each file's
        /// text (see Invocations); only files that mention one get a semantic model, and nothing is searched
        /// when there is no kernel.
        /// </summary>
        public static EquatableArray<DiagnosticInfo> Find(Compilation compilation, EquatableArray<KernelName> kernels, CancellationToken cancellationToken)
        {
            if (kernels.Count == 0)
            {
                return EquatableArray<DiagnosticInfo>.Empty;
            }

            var names = new HashSet<string>(kernels.Select(k => k.Name), System.StringComparer.Ordinal);
            var keys = new HashSet<string>(kernels.Select(k => k.Key), System.StringComparer.Ordinal);
            var found = new List<DiagnosticInfo>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var candidates = Invocations.Names(tree, names, cancellationToken).Where(n => !IsCalled(n) && !InNameof(n)).ToList();
                if (candidates.Count == 0)
                {
                    continue;
                }

                var model = compilation.GetSemanticModel(tree);
                foreach (var name in candidates)
                {
                    var info = model.GetSymbolInfo(name, cancellationToken);
                    var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                    if (symbol is IMethodSymbol method && method.GetDocumentationCommentId() is { } key && keys.Contains(key))
                    {
                        SyntaxNode use = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                        found.Add(DiagnosticInfo.Create(
                            DiagnosticDescriptors.JitIndirectUse,
                            use,
                            method.Name,
                            "interceptors redirect direct calls only, and this makes a delegate or pointer of it; call it inside a lambda instead ((…) => " + method.Name + "(…)), or suppress PAR1016 where the scalar loop is what you want"));
                    }
                }
            }

            return found.ToEquatableArray();
        }

        /// <summary>
        /// The names of the static [Jit] methods of referenced assemblies, whose calls here run the scalar
        /// loop (PAR1016). Only assemblies that reference Parallax can hold one, so the framework's are skipped
        /// by their reference list, without reading their types.
        /// </summary>
        public static EquatableArray<string> ForeignKernelNames(Compilation compilation, CancellationToken cancellationToken)
        {
            var names = new SortedSet<string>(System.StringComparer.Ordinal);
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
                        }
                        else if (member is IMethodSymbol { IsStatic: true } method
                            && method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownNames.JitAttribute))
                        {
                            names.Add(method.Name);
                        }
                    }
                }
            }

            return names.ToEquatableArray();
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

        /// <summary>The name is what an invocation calls: <c>M(…)</c> or <c>K.M(…)</c>.</summary>
        private static bool IsCalled(SimpleNameSyntax name)
        {
            SyntaxNode callee = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
            return callee.Parent is InvocationExpressionSyntax invocation && invocation.Expression == callee;
        }

        private static bool InNameof(SyntaxNode node) =>
            node.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });
    }
}
