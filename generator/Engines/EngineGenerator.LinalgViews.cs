using Microsoft.CodeAnalysis.Text;

namespace Parallax.Generator.Engines;

public sealed partial class EngineGenerator
{
    /// <summary>
    /// Rewrites the seed's product in code that runs on an engine so that it copies nothing:
    /// <list type="bullet">
    /// <item><c>Engine.Get&lt;double[,]&gt;(x)</c> passed as <c>a</c> or <c>b</c> to <c>Linalg.Dot</c> or
    /// <c>Linalg.Gemm</c> becomes <c>Engine.GetMatrix&lt;double&gt;(x)</c>, a view of the pushed matrix where it
    /// lies in shared memory (a <c>double[,]</c> must be a managed array, so reading one is a copy);</item>
    /// <item><c>Engine.Set(x, Linalg.Dot(a, b))</c> becomes <c>EngineValues.SetDot&lt;double&gt;(x, a, b)</c>,
    /// which writes the product straight into the variable's shared memory, where a pull maps it.</item>
    /// </list>
    /// Both give the same values (the product is bitwise the same) and the same exceptions; the
    /// variable only stays unread as an array until code asks for one. Float works the same way.
    /// </summary>
    internal static class LinalgViews
    {
        private const string Engine = "Parallax.Engine";
        private const string Linalg = "Parallax.Linalg";

        /// <summary>The edits in <paramref name="body"/>: spans of the original text and what replaces each.</summary>
        public static List<(TextSpan Span, string Text)> Find(SemanticModel model, SyntaxNode body, CancellationToken cancellationToken)
        {
            var edits = new List<(TextSpan Span, string Text)>();
            foreach (var invocation in body.DescendantNodesAndSelf().OfType<InvocationExpressionSyntax>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method || !IsOn(method, Engine))
                {
                    continue;
                }

                if (method.Name == "Get" && MatrixElement(method) is { } element && IsViewOperand(model, invocation, cancellationToken))
                {
                    switch (invocation.Expression)
                    {
                        case MemberAccessExpressionSyntax access:
                            edits.Add((access.Name.Span, $"GetMatrix<{element}>"));
                            break;
                        case GenericNameSyntax bare:
                            edits.Add((bare.Span, $"global::Parallax.Engine.GetMatrix<{element}>"));
                            break;
                    }
                }
                else if (method.Name == "Set" && MatrixElement(method) is { } setElement && DotSet(model, invocation, setElement, cancellationToken) is { } dot)
                {
                    edits.Add((invocation.Expression.Span, $"global::Parallax.CompilerServices.EngineValues.SetDot<{setElement}>"));
                    edits.Add((TextSpan.FromBounds(dot.SpanStart, dot.ArgumentList.OpenParenToken.Span.End), string.Empty));
                    edits.Add((dot.ArgumentList.CloseParenToken.Span, string.Empty));
                }
            }

            return edits;
        }

        /// <summary>"double" or "float" when the method's one type argument is a <c>double[,]</c> or <c>float[,]</c>.</summary>
        private static string? MatrixElement(IMethodSymbol method) =>
            method.TypeArguments.Length == 1 && method.TypeArguments[0] is IArrayTypeSymbol { Rank: 2 } array ? Element(array) : null;

        private static string? Element(IArrayTypeSymbol array) => array.ElementType.SpecialType switch
        {
            SpecialType.System_Double => "double",
            SpecialType.System_Single => "float",
            _ => null,
        };

        /// <summary>Whether <paramref name="invocation"/> is passed as <c>a</c> or <c>b</c> of a matrix <c>Linalg.Dot</c> or <c>Linalg.Gemm</c>, which have overloads over views.</summary>
        private static bool IsViewOperand(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            if (invocation.Parent is not ArgumentSyntax { RefKindKeyword.RawKind: 0 } argument
                || argument.Parent is not ArgumentListSyntax list
                || list.Parent is not InvocationExpressionSyntax outer
                || model.GetSymbolInfo(outer, cancellationToken).Symbol is not IMethodSymbol target
                || !IsMatrixProduct(target))
            {
                return false;
            }

            var parameter = argument.NameColon?.Name.Identifier.ValueText
                ?? (list.Arguments.IndexOf(argument) is var index && index < target.Parameters.Length ? target.Parameters[index].Name : null);
            return parameter is "a" or "b";
        }

        /// <summary><c>Linalg.Dot(T[,], T[,])</c> or <c>Linalg.Gemm(T, T[,], Transpose, T[,], Transpose, T, T[,])</c>.</summary>
        private static bool IsMatrixProduct(IMethodSymbol method) =>
            IsOn(method, Linalg)
            && method.Parameters.Where(p => p.Type is IArrayTypeSymbol).All(p => p.Type is IArrayTypeSymbol { Rank: 2 } array && Element(array) is not null)
            && ((method.Name == "Dot" && method.Parameters.Length == 2 && method.Parameters.All(p => p.Type is IArrayTypeSymbol))
                || (method.Name == "Gemm" && method.Parameters.Length == 7 && method.Parameters[1].Type is IArrayTypeSymbol));

        /// <summary>The <c>Linalg.Dot(a, b)</c> that is the value of <c>Engine.Set(name, Linalg.Dot(a, b))</c>, every argument positional; else null.</summary>
        private static InvocationExpressionSyntax? DotSet(SemanticModel model, InvocationExpressionSyntax set, string element, CancellationToken cancellationToken)
        {
            var arguments = set.ArgumentList.Arguments;
            if (arguments.Count != 2 || arguments.Any(a => a.NameColon is not null || a.RefKindKeyword.RawKind != 0)
                || arguments[1].Expression is not InvocationExpressionSyntax dot
                || dot.ArgumentList.Arguments.Count != 2
                || dot.ArgumentList.Arguments.Any(a => a.NameColon is not null)
                || model.GetSymbolInfo(dot, cancellationToken).Symbol is not IMethodSymbol product
                || product.Name != "Dot" || !IsMatrixProduct(product)
                || product.Parameters[0].Type is not IArrayTypeSymbol operand || Element(operand) != element)
            {
                return null;
            }

            return dot;
        }

        private static bool IsOn(IMethodSymbol method, string type) =>
            method.IsStatic && method.ContainingType is { } containing && containing.ToDisplayString() == type;
    }
}
