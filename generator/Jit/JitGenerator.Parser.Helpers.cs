using System.Globalization;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// Calls to helper methods inside the loop (<c>static double Sq(double v) =&gt; v * v;</c>): a static
    /// method of this compilation whose body is one expression is inlined, its parameters replaced by
    /// the argument values, through nested helpers; anything else is one PAR1005 at the call that
    /// names the helper and why it cannot be inlined.
    /// </summary>
    internal sealed partial class Parser
    {
        /// <summary>The helpers being inlined, innermost last, with the values their parameters stand for.</summary>
        private readonly List<(IMethodSymbol Method, Dictionary<ISymbol, Expr> Arguments)> _inlining = new();

        /// <summary>Nested helpers deeper than this are refused: it is a recursion the symbol check did not see, or no loop body anyone writes.</summary>
        private const int MaxInlineDepth = 16;

        /// <summary>A parameter of a helper being inlined, as the value of its argument.</summary>
        private Expr? InlinedParameter(ISymbol symbol)
        {
            for (int s = _inlining.Count - 1; s >= 0; s--)
            {
                if (_inlining[s].Arguments.TryGetValue(symbol, out var value))
                {
                    return value;
                }
            }

            return null;
        }

        /// <summary>
        /// True for a method the loop may call as a helper: a static method declared in source, not a
        /// Math function (those have their own vector forms) and not [Jit] itself.
        /// </summary>
        private static bool IsHelperCandidate(IMethodSymbol method) =>
            method.MethodKind == MethodKind.Ordinary && !IsMathType(method.ContainingType);

        /// <summary>Inlines <paramref name="method"/> at <paramref name="invocation"/>, or reports why it cannot.</summary>
        private Expr? InlineHelper(InvocationExpressionSyntax invocation, IMethodSymbol method)
        {
            var (body, why) = HelperBody(method);
            if (body is null)
            {
                ReportHelper(invocation, method, why!);
                return null;
            }

            if (_inlining.Any(s => SymbolEqualityComparer.Default.Equals(s.Method, method)) || _inlining.Count >= MaxInlineDepth || CallsItself(method, body))
            {
                ReportHelper(invocation, method, "it calls itself, directly or through other helpers");
                return null;
            }

            if (Keyword(method.ReturnType) is not { } returnType)
            {
                ReportHelper(invocation, method, $"it returns {method.ReturnType.ToMessageString()}, not a number type a vector lane holds");
                return null;
            }

            // Arguments are values of the caller's context, converted to the parameter types as C# does.
            var arguments = new Dictionary<ISymbol, Expr>(SymbolEqualityComparer.Default);
            var list = invocation.ArgumentList.Arguments;
            for (int a = 0; a < method.Parameters.Length; a++)
            {
                var parameter = method.Parameters[a];
                if (parameter.RefKind is not RefKind.None and not RefKind.In || parameter.IsParams || Keyword(parameter.Type) is not { } parameterType)
                {
                    ReportHelper(invocation, method, $"parameter '{parameter.Name}' is {(parameter.RefKind != RefKind.None ? "ref, out or in" : parameter.IsParams ? "params" : "of type " + parameter.Type.ToMessageString())}; a helper takes numbers by value");
                    return null;
                }

                Expr? value;
                if (a < list.Count)
                {
                    if (list[a].NameColon is not null || list[a].RefKindKeyword.RawKind != 0)
                    {
                        ReportHelper(invocation, method, "the call names its arguments or passes them by reference; pass them by position");
                        return null;
                    }

                    value = ParseExpression(list[a].Expression);
                }
                else if (parameter.HasExplicitDefaultValue && parameter.ExplicitDefaultValue is { } constant and not bool)
                {
                    value = ConstExpr.Of(parameterType, constant);
                }
                else
                {
                    ReportHelper(invocation, method, $"parameter '{parameter.Name}' has no argument");
                    return null;
                }

                if (value is null)
                {
                    return null;
                }

                arguments[parameter] = Bind(Coerce(value, parameterType), parameter, body);
            }

            // The body is read with its own semantic model (it may be in another file); what goes wrong
            // inside it is reported once, here at the call, naming the helper.
            var caller = _model;
            int before = _diagnostics.Count;
            _inlining.Add((method, arguments));
            _model = caller.Compilation.GetSemanticModel(body.SyntaxTree);
            Expr? result;
            try
            {
                CheckOverflow(body);
                result = ParseExpression(body);
            }
            finally
            {
                _model = caller;
                _inlining.RemoveAt(_inlining.Count - 1);
            }

            var inner = _diagnostics.Skip(before).ToList();
            if (inner.Count > 0)
            {
                _diagnostics.RemoveRange(before, inner.Count);
                var first = inner[0];
                ReportHelper(invocation, method, $"{InnerReason(first)} (at {first.Location?.ToLocation().GetLineSpan().StartLinePosition.Line + 1 ?? 0}:{first.Location?.ToLocation().GetLineSpan().StartLinePosition.Character + 1 ?? 0} in '{method.Name}')");
                return null;
            }

            return result is null ? null : Coerce(result, returnType);

            static string InnerReason(DiagnosticInfo d)
            {
                string message = string.Format(CultureInfo.InvariantCulture, d.Descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture), d.Arguments.Cast<object>().ToArray());
                const string prefix = "cannot become a kernel: ";
                int at = message.IndexOf(prefix, StringComparison.Ordinal);
                return at < 0 ? message : message.Substring(at + prefix.Length);
            }
        }

        /// <summary>
        /// An argument the helper reads more than once and that costs more than a load is computed once
        /// into a local of the loop body, where the call is, instead of once per use.
        /// </summary>
        private Expr Bind(Expr value, IParameterSymbol parameter, ExpressionSyntax body)
        {
            if (!_inLoop || value.Invariant || value is LoadExpr or LocalExpr || value.Type == "bool")
            {
                return value;
            }

            var model = _model.Compilation.GetSemanticModel(body.SyntaxTree);
            int uses = body.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Count(id => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, _cancellationToken).Symbol, parameter));
            if (uses < 2)
            {
                return value;
            }

            string name = Unique(parameter.Name);
            _body.Add(new LocalStmt(name, value.Type, Declare: true, value));
            return new LocalExpr(value.Type, name);
        }

        /// <summary>The one expression a helper returns, or why it has none the generator can inline.</summary>
        private (ExpressionSyntax? Body, string? Why) HelperBody(IMethodSymbol method)
        {
            if (!method.IsStatic)
            {
                return (null, "it is not static");
            }

            if (method.IsGenericMethod || method.ContainingType.IsGenericType)
            {
                return (null, "it is generic");
            }

            if (method.IsExtern || method.IsAbstract)
            {
                return (null, "it has no body");
            }

            var declaration = method.DeclaringSyntaxReferences.Select(r => r.GetSyntax(_cancellationToken)).OfType<MethodDeclarationSyntax>().FirstOrDefault(d => d.Body is not null || d.ExpressionBody is not null);
            if (declaration is null)
            {
                return (null, "its body is not in this compilation (a method of another assembly cannot be read at build time)");
            }

            if (declaration.ExpressionBody is { Expression: var expression })
            {
                return (expression, null);
            }

            var statements = declaration.Body!.Statements;
            if (statements.Count == 1 && statements[0] is ReturnStatementSyntax { Expression: { } returned })
            {
                return (returned, null);
            }

            return (null, $"its body is a block of {statements.Count} statement{(statements.Count == 1 ? string.Empty : "s")}; a helper must be one expression, '=> e' or '{{ return e; }}'");
        }

        private bool CallsItself(IMethodSymbol method, ExpressionSyntax body)
        {
            var model = _model.Compilation.GetSemanticModel(body.SyntaxTree);
            return body.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>()
                .Any(call => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(call, _cancellationToken).Symbol, method));
        }

        private void ReportHelper(InvocationExpressionSyntax invocation, IMethodSymbol method, string why) =>
            Report(DiagnosticDescriptors.JitNoVectorForm, invocation, invocation.ToString(), $"the helper '{method.Name}' cannot be inlined: {why}");
    }
}
