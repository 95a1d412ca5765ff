using System.Globalization;
using Microsoft.CodeAnalysis.Operations;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// The parser's diagnostics: how they are reported (located in the source, named after the
    /// method), and the two checks that span a whole body, integer arithmetic the compiler would
    /// check for overflow (PAR1015) and per-element conversions with no exact vector form (PAR1009).
    /// </summary>
    internal sealed partial class Parser
    {
        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, node, new[] { Name }.Concat(args).ToArray()));

        private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] args) =>
            Report(descriptor, token.GetLocation(), args);

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] args) =>
            _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, new[] { Name }.Concat(args).ToArray()));

        private ParseResult<KernelSpec> Fail() => new(null, _diagnostics.ToEquatableArray());

        private Location? AccumulatorLocation(string name)
        {
            foreach (var pair in _prologueScalars)
            {
                if (pair.Value == name)
                {
                    return pair.Key.Locations.FirstOrDefault();
                }
            }

            return null;
        }

        // ---- checked arithmetic ----

        /// <summary>
        /// PAR1015 for integer arithmetic the compiler checks for overflow in <paramref name="body"/>
        /// (the project's CheckForOverflowUnderflow, or a checked expression or block): the scalar
        /// code throws there, where a vector lane wraps. Float arithmetic is never checked. One
        /// diagnostic per outermost checked expression.
        /// </summary>
        private void CheckOverflow(SyntaxNode body)
        {
            if (_model.GetOperation(body, _cancellationToken) is not { } root)
            {
                return;
            }

            var reported = new List<Microsoft.CodeAnalysis.Text.TextSpan>();
            foreach (var operation in root.Descendants())
            {
                var span = operation.Syntax.Span;
                if (operation.ConstantValue.HasValue || !MayOverflow(operation) || reported.Any(r => r.Contains(span)))
                {
                    continue;
                }

                reported.Add(span);
                Report(DiagnosticDescriptors.JitCheckedArithmetic, operation.Syntax, operation.Syntax.ToString(), CheckedBy(operation.Syntax));
            }
        }

        private static string CheckedBy(SyntaxNode node)
        {
            foreach (var ancestor in node.AncestorsAndSelf())
            {
                if (ancestor.IsKind(SyntaxKind.CheckedExpression))
                {
                    return "inside checked(...)";
                }

                if (ancestor.IsKind(SyntaxKind.CheckedStatement))
                {
                    return "inside a checked block";
                }
            }

            return "the project sets <CheckForOverflowUnderflow>true</CheckForOverflowUnderflow>";
        }

        /// <summary>A checked operation that can overflow at run time; an add of two promoted bytes cannot.</summary>
        private static bool MayOverflow(IOperation operation)
        {
            switch (operation)
            {
                case IBinaryOperation { IsChecked: true, OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply } b
                    when IntegerKeyword(b.Type) is { } type:
                    int bits = Size(type) * 8 - 2;
                    int left = Magnitude(b.LeftOperand), right = Magnitude(b.RightOperand);
                    // |a ± b| ≤ 2^(max + 1) and |a · b| ≤ 2^(l + r): within a signed result's range, no overflow.
                    bool bounded = IsSigned(type) && (b.OperatorKind == BinaryOperatorKind.Multiply ? left + right : Math.Max(left, right) + 1) <= bits;
                    return !bounded;
                case IUnaryOperation { IsChecked: true, OperatorKind: UnaryOperatorKind.Minus } u when IntegerKeyword(u.Type) is { } type:
                    return !(IsSigned(type) && Magnitude(u.Operand) <= Size(type) * 8 - 2);
                case ICompoundAssignmentOperation { IsChecked: true } c:
                    return IntegerKeyword(c.Target.Type) is not null;
                case IIncrementOrDecrementOperation { IsChecked: true } i:
                    return IntegerKeyword(i.Target.Type) is not null;
                case IConversionOperation { IsChecked: true } c when IntegerKeyword(c.Type) is { } to && c.Operand.Type is { } operandType && Keyword(operandType) is { } from:
                    return IsFloat(from) || !Contains(to, from);
                default:
                    return false;
            }
        }

        private static string? IntegerKeyword(ITypeSymbol? type) => type is not null && Keyword(type) is { } k && IsInteger(k) ? k : null;

        /// <summary>The least k with |v| ≤ 2^k for every value <paramref name="operand"/> can have.</summary>
        private static int Magnitude(IOperation operand)
        {
            if (operand.ConstantValue is { HasValue: true, Value: { } value } && value is not bool && IntegerKeyword(operand.Type) is not null)
            {
                decimal magnitude = Math.Abs(System.Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                int k = 0;
                while ((decimal)Math.Pow(2, k) < magnitude)
                {
                    k++;
                }

                return k;
            }

            // A promoted small integer keeps the small type's range, and so do sums and products of such.
            int bound = operand switch
            {
                IConversionOperation { IsImplicit: true, Operand: var inner } when IntegerKeyword(inner.Type) is not null => Magnitude(inner),
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } b => Math.Max(Magnitude(b.LeftOperand), Magnitude(b.RightOperand)) + 1,
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply } b => Magnitude(b.LeftOperand) + Magnitude(b.RightOperand),
                IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } u => Magnitude(u.Operand),
                _ => int.MaxValue,
            };
            return Math.Min(bound, TypeMagnitude(operand.Type));
        }

        /// <summary>The bits of an integer type's magnitude (a sign bit is not one): 7 for sbyte, 8 for byte.</summary>
        private static int TypeMagnitude(ITypeSymbol? type) =>
            IntegerKeyword(type) is { } integer ? Size(integer) * 8 - (IsSigned(integer) ? 1 : 0) : 64;

        /// <summary>Every conversion of a per-element value must have an exact vector form (widen, narrow, convert).</summary>
        private void CheckWidth(Expr value, SyntaxNode at)
        {
            if (value.Invariant)
            {
                return;
            }

            if (value is ConvertExpr c && VectorConversion(c.Operand.Type, c.Type) is { } reason)
            {
                Report(DiagnosticDescriptors.JitMixedWidths, at, at.ToString(), c.Operand.Type, c.Type, reason);
                return;
            }

            foreach (var child in value.Children)
            {
                CheckWidth(child, at);
            }
        }
    }
}
