using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Parallax.Generator.Engines;

public sealed partial class EngineGenerator
{
    /// <summary>Turns view call sites and <c>[ParallelEngine]</c> methods into specs and diagnostics.</summary>
    internal static class Parser
    {
        /// <summary>The view methods whose calls are intercepted.</summary>
        public static readonly string[] Apis = { "ApplyAsync", "ApplySync", "MapAsync", "MapSync" };

        private const string DirectView = "Parallax.DirectView";
        private const string EngineView = "Parallax.EngineView";
        private const string LoadBalancedView = "Parallax.LoadBalancedView";

        private static bool IsCallSiteCandidate(SyntaxNode node) =>
            node is InvocationExpressionSyntax invocation && Invocations.CalledName(invocation) is { } name && Array.IndexOf(Apis, name) >= 0;

        // ---------------------------------------------------------------- view call sites

        public static ParseResult<ViewCallSpec>? ParseCallSite(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method
                || Array.IndexOf(Apis, method.Name) < 0
                || method.Parameters.Length == 0
                || method.Parameters[0].Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke })
            {
                return null;
            }

            string view = Types.MetadataName(method.ContainingType);
            if (view != DirectView && view != EngineView && view != LoadBalancedView)
            {
                return null;
            }

            var argument = FindArgument(invocation, method.Parameters[0].Name);
            if (argument is null)
            {
                return null;
            }

            var diagnostics = new List<DiagnosticInfo>();
            var expression = argument.Expression;
            while (expression is ParenthesizedExpressionSyntax parenthesized)
            {
                expression = parenthesized.Expression;
            }

            bool runsEachTask = view == LoadBalancedView && invoke.Parameters.Length == 1;
            var site = new Site(model, invocation, method.Name, invoke, runsEachTask, cancellationToken);
            StubSpec? stub = expression switch
            {
                AnonymousFunctionExpressionSyntax lambda => ParseLambda(site, lambda, diagnostics),
                _ when IsMethodGroup(model, expression, cancellationToken, out var target) => ParseMethodGroup(site, expression, target!, diagnostics),
                _ => Report(diagnostics, DiagnosticDescriptors.EngineDelegateUnknown, expression, expression.ToString()),
            };

            ViewCallSpec? spec = null;
            if (stub is not null && diagnostics.Count == 0
                && model.GetInterceptableLocation(invocation, cancellationToken) is { } location)
            {
                string itemType = invoke.Parameters.Length == 1 ? Display(invoke.Parameters[0].Type) : string.Empty;
                spec = new ViewCallSpec(
                    stub,
                    method.Name,
                    Display(method.ContainingType),
                    runsEachTask,
                    itemType,
                    method.ReturnsVoid ? "void" : Display(method.ReturnType),
                    method.Parameters.Select(p => new ValueSpec(Identifiers.Escape(p.Name), Display(p.Type))).ToEquatableArray(),
                    InterceptedLocation.From(location));
            }

            return new ParseResult<ViewCallSpec>(spec, diagnostics.ToEquatableArray());
        }

        private static ArgumentSyntax? FindArgument(InvocationExpressionSyntax invocation, string parameterName)
        {
            var arguments = invocation.ArgumentList.Arguments;
            return arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == parameterName)
                ?? arguments.FirstOrDefault(a => a.NameColon is null);
        }

        private static bool IsMethodGroup(SemanticModel model, ExpressionSyntax expression, CancellationToken cancellationToken, out IMethodSymbol? target)
        {
            target = null;
            if (expression is not (SimpleNameSyntax or MemberAccessExpressionSyntax))
            {
                return false;
            }

            // A method group has no type of its own; a delegate-typed variable, field or property does.
            var info = model.GetSymbolInfo(expression, cancellationToken);
            target = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
            return target is not null;
        }

        /// <summary>What every stub parser needs to know about the call it serves.</summary>
        private sealed class Site(SemanticModel model, InvocationExpressionSyntax invocation, string api, IMethodSymbol invoke, bool runsEachTask, CancellationToken cancellationToken)
        {
            public SemanticModel Model { get; } = model;

            public string Api { get; } = api;

            public IMethodSymbol Invoke { get; } = invoke;

            public CancellationToken CancellationToken { get; } = cancellationToken;

            public ISymbol? Member { get; } = EnclosingMember(model, invocation, cancellationToken);

            /// <summary>Gets whether the stub's invoker runs each item as its own task (a load-balanced map), a protocol of its own.</summary>
            public bool RunsEachTask { get; } = runsEachTask;

            public int Ordinal => OrdinalIn(Member, invocation);

            public string MemberText => Member is null
                ? "<unknown>"
                : (Member.ContainingType?.ToDisplayString() ?? string.Empty) + "." + Member.Name;

            public string ClassName => Sanitize(Member?.ContainingType?.Name ?? "Global") + "_" + Sanitize(Member?.Name ?? "Member") + "_" + Ordinal
                + "_" + Hash(MemberText + "(" + string.Join(",", (Member as IMethodSymbol)?.Parameters.Select(p => p.Type.ToDisplayString()) ?? Array.Empty<string>()) + ")#" + Ordinal).Substring(0, 8);

            public string ResultType => Invoke.ReturnsVoid ? string.Empty : Display(Invoke.ReturnType);

            public string ResultArrayType => Invoke.ReturnsVoid ? string.Empty : ArrayOf(Model, Invoke.ReturnType);

            public string ItemArrayType => Invoke.Parameters.Length == 1 ? ArrayOf(Model, Invoke.Parameters[0].Type) : string.Empty;

            private static ISymbol? EnclosingMember(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
            {
                var symbol = model.GetEnclosingSymbol(node.SpanStart, cancellationToken);
                while (symbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                {
                    symbol = symbol.ContainingSymbol;
                }

                return symbol;
            }

            // The call's position among the engine calls of its member: part of the stub's name and id, so
            // both survive edits elsewhere in the file and differ between two calls in one method.
            private static int OrdinalIn(ISymbol? member, InvocationExpressionSyntax invocation)
            {
                var declaration = member?.DeclaringSyntaxReferences
                    .FirstOrDefault(r => r.SyntaxTree == invocation.SyntaxTree && r.Span.Contains(invocation.Span))?.GetSyntax();
                if (declaration is null)
                {
                    return 0;
                }

                int ordinal = 0;
                foreach (var candidate in declaration.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (candidate == invocation)
                    {
                        return ordinal;
                    }

                    if (IsCallSiteCandidate(candidate))
                    {
                        ordinal++;
                    }
                }

                return ordinal;
            }
        }

        private static StubSpec? ParseMethodGroup(Site site, ExpressionSyntax expression, IMethodSymbol target, List<DiagnosticInfo> diagnostics)
        {
            if (!target.IsStatic)
            {
                return Report(diagnostics, DiagnosticDescriptors.EngineUsesInstance, expression, expression.ToString());
            }

            if (Types.WhyNotAccessible(target) is { } inaccessible)
            {
                return Report(diagnostics, DiagnosticDescriptors.EngineMemberNotAccessible, expression, expression.ToString(), inaccessible);
            }

            ValueSpec? item = null;
            if (site.Invoke.Parameters.Length == 1)
            {
                item = new ValueSpec("item", Display(site.Invoke.Parameters[0].Type));
                CheckParameter(site.Invoke.Parameters[0].Type, "item", expression, diagnostics);
            }

            CheckResult(site, expression, target.Name, diagnostics);
            string typeArguments = target.IsGenericMethod ? "<" + string.Join(", ", target.TypeArguments.Select(Display)) + ">" : string.Empty;
            string call = Display(target.ContainingType) + "." + target.Name + typeArguments + "(" + (item is null ? string.Empty : "item") + ")";
            string signature = Signature(target);
            string id = MethodId(item is null ? "call" : site.RunsEachTask ? "tasks" : "map", signature, site.ResultType);
            return new StubSpec(
                site.ClassName,
                id,
                $"the method group {target.ContainingType.ToDisplayString()}.{target.Name} passed to {site.Api} in {site.MemberText}",
                EquatableArray<string>.Empty,
                EquatableArray<ValueSpec>.Empty,
                item,
                site.ResultType,
                site.ResultArrayType,
                site.ItemArrayType,
                "=> " + call + ";",
                Dedent: true);
        }

        private static StubSpec? ParseLambda(Site site, AnonymousFunctionExpressionSyntax lambda, List<DiagnosticInfo> diagnostics)
        {
            var model = site.Model;
            var body = lambda.Body;

            // Map's item: the lambda's own parameter becomes the stub's last parameter.
            ValueSpec? item = null;
            if (site.Invoke.Parameters.Length == 1)
            {
                var itemType = site.Invoke.Parameters[0].Type;
                var parameterSyntax = lambda switch
                {
                    SimpleLambdaExpressionSyntax simple => simple.Parameter,
                    ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters.FirstOrDefault(),
                    AnonymousMethodExpressionSyntax anonymous => anonymous.ParameterList?.Parameters.FirstOrDefault(),
                    _ => null,
                };
                string name = parameterSyntax?.Identifier.ValueText is { Length: > 0 } n && n != "_" ? n : "item";
                item = new ValueSpec(Identifiers.Escape(name), Display(itemType));
                CheckParameter(itemType, name, (SyntaxNode?)parameterSyntax ?? lambda, diagnostics);
            }

            var captures = Captures(model, lambda, diagnostics, site.CancellationToken);
            CheckResult(site, lambda, "the lambda passed to " + site.Api, diagnostics);
            var (text, dedent) = Rewrite(model, lambda, body, diagnostics, site.CancellationToken);
            if (diagnostics.Count > 0)
            {
                return null;
            }

            string runBody = body is BlockSyntax ? text : "=> " + text + ";";
            string id = Hash(string.Join(
                "\n",
                "lambda",
                site.MemberText,
                site.Ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(",", captures.Select(c => c.Type + " " + c.Name)),
                item is null ? string.Empty : item.Type + " " + item.Name,
                site.ResultType,
                runBody));
            return new StubSpec(
                site.ClassName,
                id,
                $"the lambda passed to {site.Api} in {site.MemberText}",
                Usings(model, lambda, site.CancellationToken),
                captures.ToEquatableArray(),
                item,
                site.ResultType,
                site.ResultArrayType,
                site.ItemArrayType,
                runBody,
                dedent);
        }

        private static void CheckResult(Site site, SyntaxNode at, string what, List<DiagnosticInfo> diagnostics)
        {
            if (!site.Invoke.ReturnsVoid)
            {
                CheckType(site.Invoke.ReturnType, DiagnosticDescriptors.EngineResultNotSerializable, what, at, diagnostics);
            }
        }

        private static void CheckParameter(ITypeSymbol type, string name, SyntaxNode at, List<DiagnosticInfo> diagnostics) =>
            CheckType(type, DiagnosticDescriptors.EngineParameterNotSerializable, name, at, diagnostics);

        /// <summary>A value that crosses to an engine: serializable (<paramref name="notSerializable"/> names <paramref name="what"/>), then nameable from generated code.</summary>
        private static void CheckType(ITypeSymbol type, DiagnosticDescriptor notSerializable, string what, SyntaxNode at, List<DiagnosticInfo> diagnostics)
        {
            if (Types.WhyNotSerializable(type) is { } reason)
            {
                Report(diagnostics, notSerializable, at, what, type.ToMessageString(), reason);
            }
            else if (Types.WhyNotAccessible(type) is { } inaccessible)
            {
                Report(diagnostics, DiagnosticDescriptors.EngineMemberNotAccessible, at, type.ToMessageString(), inaccessible);
            }
        }

        /// <summary>
        /// The lambda's captured variables (locals and parameters declared outside it), in declaration
        /// order, each checked: serializable, nameable from generated code, never assigned inside.
        /// </summary>
        private static List<ValueSpec> Captures(SemanticModel model, AnonymousFunctionExpressionSyntax lambda, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var flow = model.AnalyzeDataFlow(lambda);
            var captures = new List<(int Position, ValueSpec Spec)>();
            if (flow is null || !flow.Succeeded)
            {
                return new List<ValueSpec>();
            }

            var references = lambda.Body.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().ToList();
            foreach (var symbol in flow.ReadInside.Concat(flow.WrittenInside).Distinct<ISymbol>(SymbolEqualityComparer.Default))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (symbol is IParameterSymbol { IsThis: true } || symbol is ILocalSymbol { IsConst: true } || symbol is not (ILocalSymbol or IParameterSymbol))
                {
                    continue;
                }

                var declaration = symbol.DeclaringSyntaxReferences.FirstOrDefault();
                if (declaration is null || (declaration.SyntaxTree == lambda.SyntaxTree && lambda.Span.Contains(declaration.Span)))
                {
                    continue;
                }

                var uses = references.Where(r => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(r, cancellationToken).Symbol, symbol)).ToList();
                SyntaxNode at = uses.FirstOrDefault() ?? (SyntaxNode)lambda;
                if (symbol is IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } && declaration.GetSyntax(cancellationToken).Parent?.Parent is TypeDeclarationSyntax)
                {
                    // A primary constructor parameter lives on the instance.
                    Report(diagnostics, DiagnosticDescriptors.EngineUsesInstance, at, symbol.Name);
                    continue;
                }

                var type = symbol is ILocalSymbol local ? local.Type : ((IParameterSymbol)symbol).Type;
                if (flow.WrittenInside.Contains(symbol, SymbolEqualityComparer.Default))
                {
                    Report(diagnostics, DiagnosticDescriptors.EngineAssignsCapture, uses.FirstOrDefault(IsWritten) ?? at, symbol.Name);
                }
                else
                {
                    CheckType(type, DiagnosticDescriptors.EngineCaptureNotSerializable, symbol.Name, at, diagnostics);
                }

                captures.Add((declaration.Span.Start, new ValueSpec(Identifiers.Escape(symbol.Name), Display(type))));
            }

            return captures.OrderBy(c => c.Position).Select(c => c.Spec).ToList();
        }

        private static bool IsWritten(IdentifierNameSyntax name) => name.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == name,
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None),
            _ => false,
        };

        /// <summary>
        /// The lambda body as text that compiles in the generated class: names of types and static
        /// members become fully qualified, outer constants become literals, the seed's matrix product
        /// reads and writes shared memory in place (<see cref="LinalgViews"/>); uses of the instance or of
        /// members the stub cannot reach are reported.
        /// </summary>
        private static (string Text, bool Dedent) Rewrite(SemanticModel model, AnonymousFunctionExpressionSyntax lambda, CSharpSyntaxNode body, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var replacements = new List<(TextSpan Span, string Text)>();
            int replacedEnd = -1;
            bool dedent = true;
            foreach (var token in body.DescendantTokens())
            {
                if ((token.IsKind(SyntaxKind.StringLiteralToken) || token.IsKind(SyntaxKind.InterpolatedStringTextToken)) && token.Text.IndexOf('\n') >= 0)
                {
                    dedent = false;
                }
            }

            // The seed's product reads pushed matrices where they lie and writes where a pull maps it; the
            // names inside a rewritten span are the rewrite's own.
            var views = LinalgViews.Find(model, body, cancellationToken);
            replacements.AddRange(views);
            foreach (var node in body.DescendantNodesAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (node.SpanStart < replacedEnd || views.Any(v => v.Span.Contains(node.Span)))
                {
                    continue;
                }

                if (node is ThisExpressionSyntax or BaseExpressionSyntax)
                {
                    Report(diagnostics, DiagnosticDescriptors.EngineUsesInstance, node, node.ToString());
                    continue;
                }

                if (node is not SimpleNameSyntax name || name.Parent is NameColonSyntax or NameEqualsSyntax || name is IdentifierNameSyntax { IsVar: true })
                {
                    continue;
                }

                var info = model.GetSymbolInfo(name, cancellationToken);
                var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
                var alias = model.GetAliasInfo(name, cancellationToken);
                bool rightOfDot = IsRightOfDot(name);
                switch (symbol)
                {
                    case null or IParameterSymbol or IRangeVariableSymbol or ILabelSymbol or IDiscardSymbol or IDynamicTypeSymbol:
                        break;
                    case ILocalSymbol local:
                        if (local.IsConst && local.HasConstantValue && !lambda.Span.Contains(local.Locations[0].SourceSpan))
                        {
                            replacements.Add((name.Span, Constant(local.Type, local.ConstantValue)));
                        }

                        break;
                    case INamespaceSymbol ns:
                        // `global::` already names the namespace from the root. Any other alias becomes the
                        // namespace it stands for, and `Alias::X` then reads `global::N.X` (`N::X` would not compile).
                        if (alias is not null && !rightOfDot && !ns.IsGlobalNamespace)
                        {
                            string target = ns.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                            replacements.Add(name.Parent is AliasQualifiedNameSyntax aliased && aliased.Alias == name
                                ? (TextSpan.FromBounds(name.SpanStart, aliased.ColonColonToken.Span.End), target + ".")
                                : (name.Span, target));
                        }

                        break;
                    case ITypeSymbol type:
                        if (Types.WhyNotAccessible(type) is { } typeReason)
                        {
                            Report(diagnostics, DiagnosticDescriptors.EngineMemberNotAccessible, name, name.ToString(), typeReason);
                        }
                        else if (!rightOfDot && type is not INamedTypeSymbol { IsNativeIntegerType: true } && !(name.Parent is AttributeSyntax))
                        {
                            replacements.Add((name.Span, type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
                            replacedEnd = name.Span.End;
                        }

                        break;
                    case IMethodSymbol { MethodKind: MethodKind.LocalFunction } when !lambda.Span.Contains(symbol.Locations[0].SourceSpan):
                        Report(diagnostics, DiagnosticDescriptors.EngineMemberNotAccessible, name, name.ToString(), "a local function of the enclosing method");
                        break;
                    case IMethodSymbol { MethodKind: MethodKind.LocalFunction }:
                        break;
                    case IFieldSymbol { IsConst: true, HasConstantValue: true } constant:
                        // A constant is a value, not a member the stub must reach: private ones work too.
                        var constantSpan = rightOfDot && name.Parent is MemberAccessExpressionSyntax access ? access.Span : name.Span;
                        replacements.RemoveAll(r => constantSpan.Contains(r.Span));
                        replacements.Add((constantSpan, Constant(constant.Type, constant.ConstantValue)));
                        replacedEnd = constantSpan.End;
                        break;
                    case IMethodSymbol or IFieldSymbol or IPropertySymbol or IEventSymbol:
                        if (!symbol.IsStatic)
                        {
                            if (!rightOfDot && !IsInitializerTarget(name))
                            {
                                Report(diagnostics, DiagnosticDescriptors.EngineUsesInstance, name, name.ToString());
                            }

                            break;
                        }

                        if (Types.WhyNotAccessible(symbol) is { } memberReason)
                        {
                            Report(diagnostics, DiagnosticDescriptors.EngineMemberNotAccessible, name, name.ToString(), memberReason);
                        }
                        else if (!rightOfDot)
                        {
                            // Only the identifier: a generic method's type arguments are names rewritten in turn.
                            replacements.Add((name.Identifier.Span, Display(symbol.ContainingType) + "." + name.Identifier.Text));
                        }

                        break;
                }
            }

            // In an interpolation hole, a leading global:: would read as a format specifier: parenthesize the hole.
            foreach (var hole in body.DescendantNodes().OfType<InterpolationSyntax>())
            {
                int index = replacements.FindIndex(r => r.Span.Start == hole.Expression.SpanStart);
                if (index >= 0 && replacements[index].Text.StartsWith("global::", StringComparison.Ordinal))
                {
                    replacements[index] = (replacements[index].Span, "(" + replacements[index].Text);
                    replacements.Add((new TextSpan(hole.Expression.Span.End, 0), ")"));
                }
            }

            var text = new StringBuilder();
            int position = body.SpanStart;
            var source = body.SyntaxTree.GetText(cancellationToken);
            foreach (var (span, replacement) in replacements.OrderBy(r => r.Span.Start))
            {
                text.Append(source.ToString(TextSpan.FromBounds(position, span.Start))).Append(replacement);
                position = span.End;
            }

            text.Append(source.ToString(TextSpan.FromBounds(position, body.Span.End)));
            return (text.ToString(), dedent);
        }

        private static bool IsRightOfDot(SimpleNameSyntax name) => name.Parent switch
        {
            MemberAccessExpressionSyntax access => access.Name == name,
            QualifiedNameSyntax qualified => qualified.Right == name,
            MemberBindingExpressionSyntax => true,
            AliasQualifiedNameSyntax aliased => aliased.Name == name,
            _ => false,
        };

        // `new P { X = 1 }` and `p with { X = 1 }` name the created object's members, not this instance's.
        private static bool IsInitializerTarget(SimpleNameSyntax name) =>
            name.Parent is AssignmentExpressionSyntax assignment && assignment.Left == name
            && assignment.Parent is InitializerExpressionSyntax initializer
            && (initializer.IsKind(SyntaxKind.ObjectInitializerExpression) || initializer.IsKind(SyntaxKind.WithInitializerExpression));

        // A constant is inlined as its value, cast to its type (an enum's value is its underlying number).
        // A negative value is parenthesized: (global::E)-1 would read as a subtraction.
        private static string Constant(ITypeSymbol type, object? value)
        {
            string literal = CSharpLiteral.Format(value);
            return "((" + Display(type) + ")" + (literal.StartsWith("-", StringComparison.Ordinal) ? "(" + literal + ")" : literal) + ")";
        }

        /// <summary>The file's <c>using</c> and <c>using static</c> directives, fully qualified, for extension methods in the body.</summary>
        private static EquatableArray<string> Usings(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
        {
            var usings = new List<string>();
            foreach (var scope in node.Ancestors())
            {
                var directives = scope switch
                {
                    CompilationUnitSyntax unit => unit.Usings,
                    BaseNamespaceDeclarationSyntax ns => ns.Usings,
                    _ => default,
                };
                foreach (var directive in directives)
                {
                    if (directive.Alias is not null || directive.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword) || directive.NamespaceOrType is null)
                    {
                        continue;
                    }

                    if (model.GetSymbolInfo(directive.NamespaceOrType, cancellationToken).Symbol is { } target)
                    {
                        string text = "using " + (directive.StaticKeyword.IsKind(SyntaxKind.StaticKeyword) ? "static " : string.Empty)
                            + target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + ";";
                        if (!usings.Contains(text))
                        {
                            usings.Add(text);
                        }
                    }
                }
            }

            usings.Sort(StringComparer.Ordinal);
            return usings.ToEquatableArray();
        }

        // ---------------------------------------------------------------- [ParallelEngine] methods

        public static ParseResult<ParallelEngineSpec> ParseMethod(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var method = (IMethodSymbol)context.TargetSymbol;
            var syntax = (MethodDeclarationSyntax)context.TargetNode;
            var diagnostics = new List<DiagnosticInfo>();
            if (HierarchyInfo.NotPartial(syntax, method.Name, "ParallelEngine") is { } notPartial)
            {
                return ParseResult<ParallelEngineSpec>.Failure(notPartial);
            }

            if (!method.IsStatic)
            {
                Report(diagnostics, DiagnosticDescriptors.EngineMethodShape, syntax.Identifier, method.Name, "static");
            }
            else if (method.IsGenericMethod || method.ContainingType.IsGenericType)
            {
                Report(diagnostics, DiagnosticDescriptors.EngineMethodShape, syntax.Identifier, method.Name, "non-generic, in a non-generic type");
            }

            if (diagnostics.Count > 0)
            {
                // A method of the wrong shape gets no stub; its parameter types would only repeat the reason.
                return new ParseResult<ParallelEngineSpec>(null, diagnostics.ToEquatableArray());
            }

            var parameters = new List<ValueSpec>();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var parameter = method.Parameters[i];
                var at = syntax.ParameterList.Parameters[i];
                if (parameter.RefKind != RefKind.None)
                {
                    Report(diagnostics, DiagnosticDescriptors.EngineParameterNotSerializable, at, parameter.Name, parameter.Type.ToMessageString(),
                        "a ref, out or in parameter would refer to memory in the caller's process; pass it by value");
                    continue;
                }

                CheckParameter(parameter.Type, parameter.Name, at, diagnostics);
                parameters.Add(new ValueSpec(Identifiers.Escape(parameter.Name), Display(parameter.Type)));
            }

            string resultType = string.Empty;
            if (!method.ReturnsVoid)
            {
                resultType = Display(method.ReturnType);
                CheckType(method.ReturnType, DiagnosticDescriptors.EngineResultNotSerializable, method.Name, syntax.ReturnType, diagnostics);
            }

            if (diagnostics.Count > 0)
            {
                return new ParseResult<ParallelEngineSpec>(null, diagnostics.ToEquatableArray());
            }

            string accessibility = method.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";
            int overload = method.ContainingType.GetMembers(method.Name).IndexOf(method, 0, SymbolEqualityComparer.Default);
            string signature = Signature(method);
            var spec = new ParallelEngineSpec(
                HierarchyInfo.From(method.ContainingType),
                Display(method.ContainingType),
                method.Name,
                accessibility,
                parameters.ToEquatableArray(),
                resultType,
                method.ReturnsVoid ? string.Empty : ArrayOf(context.SemanticModel, method.ReturnType),
                MethodId("call", signature, resultType),
                overload <= 0 ? string.Empty : overload.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return ParseResult<ParallelEngineSpec>.Success(spec);
        }

        // ---------------------------------------------------------------- shared

        public static string Display(ITypeSymbol type) => type.ToDisplayString(Types.Format);

        // Roslyn writes array-of-array types the C# way (an array of double[,] is double[][,]); text concatenation would not.
        private static string ArrayOf(SemanticModel model, ITypeSymbol element) =>
            Display(model.Compilation.CreateArrayTypeSymbol(element, 1, element.NullableAnnotation));

        // Parameter types must be in the signature: with FullyQualifiedFormat's parameter options (none), overloads
        // such as Add(int, int) and Add(int, int, int) printed alike and shared an id, and the engine, which keeps
        // the first invoker registered under an id, ran the wrong overload.
        private static readonly SymbolDisplayFormat SignatureFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters)
            .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut | SymbolDisplayParameterOptions.IncludeExtensionThis);

        private static string Signature(IMethodSymbol method) => method.ToDisplayString(SignatureFormat);

        /// <summary>
        /// A method's dispatch id: the same for every call of one method with one result type, whether
        /// through <c>[ParallelEngine]</c> or a method group, since both run the same invoker protocol.
        /// </summary>
        private static string MethodId(string protocol, string signature, string resultType) => Hash(protocol + "\n" + signature + "\n" + resultType);

        /// <summary>
        /// SHA-256 over UTF-8, first 128 bits as hex: the same on every build and machine (string.GetHashCode
        /// is randomized per process), and wide enough that two stubs never share an id by accident.
        /// </summary>
        public static string Hash(string text)
        {
            using var sha = SHA256.Create();
            var bytes = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var hex = new StringBuilder(32);
            for (int i = 0; i < 16; i++)
            {
                hex.Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }

            return hex.ToString();
        }

        private static string Sanitize(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (char c in name)
            {
                if (char.IsLetterOrDigit(c) || c == '_')
                {
                    sb.Append(c);
                }
            }

            return sb.Length == 0 ? "Member" : sb.ToString();
        }

        private static StubSpec? Report(List<DiagnosticInfo> diagnostics, DiagnosticDescriptor descriptor, SyntaxNode at, params string[] arguments)
        {
            diagnostics.Add(DiagnosticInfo.Create(descriptor, at, arguments));
            return null;
        }

        private static void Report(List<DiagnosticInfo> diagnostics, DiagnosticDescriptor descriptor, SyntaxToken at, params string[] arguments) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, at.GetLocation(), arguments));
    }
}
