using System.Globalization;
using Microsoft.CodeAnalysis.Operations;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// The parser's expressions and types: each C# expression of the loop becomes an <see cref="Expr"/>
    /// with the conversions C# applies made explicit, small-integer arithmetic narrowed back into its
    /// own lanes where the low bits allow, array accesses turned into loads (or views at an offset),
    /// and every call or operator without an exact vector form reported where it is written.
    /// </summary>
    internal sealed partial class Parser
    {
        // ---- expressions ----

        private static ExpressionSyntax Unparenthesize(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p)
            {
                e = p.Expression;
            }

            return e;
        }

        /// <summary>Without parentheses and checked(...) / unchecked(...) wrappers.</summary>
        private static ExpressionSyntax Unchecked(ExpressionSyntax e)
        {
            while (Unparenthesize(e) is CheckedExpressionSyntax c)
            {
                e = c.Expression;
            }

            return Unparenthesize(e);
        }

        /// <summary>Parses an expression, wrapping it in the implicit conversion C# applies to it.</summary>
        private Expr? ParseExpression(ExpressionSyntax syntax)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var e = Unparenthesize(syntax);
            var info = _model.GetTypeInfo(e, _cancellationToken);
            var constant = _model.GetConstantValue(e, _cancellationToken);
            if (constant.HasValue && info.ConvertedType is { } constantType && Keyword(constantType) is { } ck && constant.Value is not null and not bool)
            {
                return ConstExpr.Of(ck, constant.Value);
            }

            var parsed = ParseCore(e, info);
            if (parsed is null)
            {
                return null;
            }

            if (info.ConvertedType is { } converted && info.Type is { } type
                && !SymbolEqualityComparer.Default.Equals(converted, type)
                && Keyword(converted) is { } to && parsed.Type != to)
            {
                return Convert(parsed, to, e);
            }

            return parsed;
        }

        private Expr? Convert(Expr value, string to, SyntaxNode at)
        {
            if (value.Type == "bool")
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, at, at.ToString(), "a comparison used as a number");
                return null;
            }

            return Coerce(value, to);
        }

        /// <summary>The type C# divides two integers in (int, or uint when one is uint and the other not signed); null for 64-bit division.</summary>
        private static string? PromotedDivision(string left, string right)
        {
            if (Size(left) == 8 || Size(right) == 8 || left == "uint" && IsSigned(right) || right == "uint" && IsSigned(left))
            {
                return null;
            }

            return left == "uint" || right == "uint" ? "uint" : "int";
        }

        /// <summary>Converts to <paramref name="type"/>, folding the conversion into constants and the branches of a select.</summary>
        private static Expr Coerce(Expr value, string type) => value switch
        {
            _ when value.Type == type || value.Type == "bool" => value,
            ConstExpr c when IsInteger(c.Type) || IsFloat(type) => c.To(type),
            CondExpr c => new CondExpr(type, c.Condition, Coerce(c.WhenTrue, type), Coerce(c.WhenFalse, type)),
            _ when IsInteger(type) && IsInteger(value.Type) && Size(type) < Size(value.Type) && Narrow(value, type) is { } narrowed => narrowed,
            _ => new ConvertExpr(type, value),
        };

        /// <summary>
        /// <c>(byte)(x[i] + y[i])</c> computed in byte lanes: C# promotes small integers to int, but the
        /// low bits of a wrapping + - * &amp; | ^ ~ depend only on the low bits of the operands, so the
        /// truncated result is the same operation in the narrow type. Null when some part of
        /// <paramref name="value"/> does not have that property (division, a comparison of promoted
        /// values, a per-element local of the wide type): it stays a mixed-width expression.
        /// </summary>
        private static Expr? Narrow(Expr value, string type)
        {
            if (!IsInteger(value.Type))
            {
                return null;
            }

            if (Size(value.Type) == Size(type))
            {
                return value.Type == type ? value : new ConvertExpr(type, value);
            }

            switch (value)
            {
                case ConstExpr c:
                    return c.To(type);
                case { Invariant: true }:
                    // Computed once in the wide type, then truncated: the same low bits.
                    return new ConvertExpr(type, value);
                case ConvertExpr c when IsInteger(c.Operand.Type) && Size(c.Operand.Type) >= Size(type):
                    return Narrow(c.Operand, type);
                case BinaryExpr { Op: "<<", Right: ConstExpr count } b when count.IntegerValue >= 0 && count.IntegerValue < 8 * Size(type):
                    // The low bits of a left shift depend only on the low bits of its operand, for counts within the narrow type.
                    return Narrow(b.Left, type) is { } shifted ? new BinaryExpr(type, "<<", shifted, count) : null;
                case BinaryExpr { Op: ">>" or ">>>", Left: ConvertExpr { Operand: var operand }, Right: ConstExpr count } when operand.Type == type && count.IntegerValue >= 0 && count.IntegerValue < 8 * Size(type):
                    // A right shift of a value just promoted from the narrow type: the extension C# applied
                    // (sign or zero, by the type) is what the narrow type's own >> shifts in.
                    return new BinaryExpr(type, ">>", operand, count);
                case BinaryExpr { Op: "+" or "-" or "*" or "&" or "|" or "^" } b:
                    return Narrow(b.Left, type) is { } l && Narrow(b.Right, type) is { } r ? new BinaryExpr(type, b.Op, l, r) : null;
                case UnaryExpr { Op: "-" or "~" } u:
                    return Narrow(u.Operand, type) is { } o ? new UnaryExpr(type, u.Op, o) : null;
                case CondExpr c:
                    return Narrow(c.WhenTrue, type) is { } t && Narrow(c.WhenFalse, type) is { } f ? new CondExpr(type, c.Condition, t, f) : null;
                default:
                    return null;
            }
        }

        /// <summary>
        /// A comparison of two promoted small integers (<c>x[i] &lt; y[i]</c> on bytes is an int comparison in
        /// C#) gives the same answer in the operands' own lanes, since widening keeps the value.
        /// </summary>
        private static (Expr Left, Expr Right)? Unpromote(Expr left, Expr right)
        {
            static Expr? Inner(Expr e) => e is ConvertExpr { Operand: var o } c && IsInteger(o.Type) && IsInteger(c.Type) && Size(o.Type) < Size(c.Type) ? o : null;

            var l = Inner(left);
            var r = Inner(right);
            if (l is not null && r is not null)
            {
                return l.Type == r.Type ? (l, r) : null;
            }

            var narrow = l ?? r;
            var constant = (l is null ? left : right) as ConstExpr;
            if (narrow is null || constant is null || !IsInteger(constant.Type) || !FitsIn(constant.IntegerValue, narrow.Type))
            {
                return null;
            }

            var c = constant.To(narrow.Type);
            return l is not null ? (narrow, c) : (c, narrow);
        }

        private Expr? ParseCore(ExpressionSyntax e, TypeInfo info)
        {
            switch (e)
            {
                case ElementAccessExpressionSyntax access when _nest is not null:
                    var cell = NestElementAccess(access, writing: false);
                    return cell is LoadExpr nestLoad ? _current.TryGetValue(nestLoad.Array, out var nestForwarded) ? nestForwarded : ReadOriginal(nestLoad) : cell;

                case ElementAccessExpressionSyntax access:
                    if (!_inLoop)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "elements can only be read inside the loop");
                        return null;
                    }

                    if (ElementAccess(access, writing: false) is not { } load)
                    {
                        return null;
                    }

                    NoteRead(_arrays[load.Array].Source);
                    return _current.TryGetValue(load.Array, out var forwarded) ? forwarded : ReadOriginal(load);

                case IdentifierNameSyntax id:
                    return Identifier(id);

                case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } when !_inLoop && LengthSource(e) is { } source:
                    return new LengthExpr(source);

                case BinaryExpressionSyntax binary:
                    return Binary(binary, info);

                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression) || unary.IsKind(SyntaxKind.LogicalNotExpression) || unary.IsKind(SyntaxKind.UnaryPlusExpression) || unary.IsKind(SyntaxKind.BitwiseNotExpression):
                    if (ParseExpression(unary.Operand) is not { } operand)
                    {
                        return null;
                    }

                    if (unary.IsKind(SyntaxKind.UnaryPlusExpression))
                    {
                        return operand;
                    }

                    // The operand carries C#'s promotion (-x on a uint is a long), so the result has the operand's type.
                    return new UnaryExpr(operand.Type, unary.IsKind(SyntaxKind.UnaryMinusExpression) ? "-" : unary.IsKind(SyntaxKind.BitwiseNotExpression) ? "~" : "!", operand);

                case ConditionalExpressionSyntax conditional:
                    var condition = ParseExpression(conditional.Condition);
                    if (condition is null)
                    {
                        return null;
                    }

                    // Each branch is evaluated only where the scalar code takes it.
                    var whenTrue = UnderMask(condition, () => ParseExpression(conditional.WhenTrue));
                    var whenFalse = UnderMask(new UnaryExpr("bool", "!", condition), () => ParseExpression(conditional.WhenFalse));
                    if (whenTrue is null || whenFalse is null)
                    {
                        return null;
                    }

                    if (whenTrue.Type == "bool")
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "a conditional that yields a comparison");
                        return null;
                    }

                    return new CondExpr(whenTrue.Type, condition, whenTrue, Coerce(whenFalse, whenTrue.Type));

                case InvocationExpressionSyntax invocation:
                    return Call(invocation, info);

                case CheckedExpressionSyntax checkedExpression when _inLoop:
                    return ParseExpression(checkedExpression.Expression);

                case CheckedExpressionSyntax:
                    // The entry method evaluates code outside the loop in the project's own context.
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "checked and unchecked are supported inside the loop only");
                    return null;

                case CastExpressionSyntax cast:
                    if (ParseExpression(cast.Expression) is not { } inner)
                    {
                        return null;
                    }

                    if (info.Type is not { } castType || Keyword(castType) is not { } target)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedType, cast.Type, cast.ToString(), info.Type?.ToMessageString() ?? "?");
                        return null;
                    }

                    return Convert(inner, target, cast);

                case PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax or AssignmentExpressionSyntax:
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "an assignment inside an expression");
                    return null;

                default:
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, e, e.ToString(), "not part of the kernel model");
                    return null;
            }
        }

        private Expr? Identifier(IdentifierNameSyntax id)
        {
            var symbol = _model.GetSymbolInfo(id, _cancellationToken).Symbol;
            if (symbol is null)
            {
                return null;
            }

            if (InlinedParameter(symbol) is { } argument)
            {
                return argument;
            }

            if (_nest is not null && NestIdentifier(symbol, id) is { } nested)
            {
                return nested;
            }

            if (SymbolEqualityComparer.Default.Equals(symbol, _loopVariable))
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "the loop variable can only index arrays");
                return null;
            }

            if (_bodyLocals.TryGetValue(symbol, out var local))
            {
                return new LocalExpr(Keyword(((ILocalSymbol)symbol).Type)!, local);
            }

            if (_lengthLocals.TryGetValue(symbol, out _))
            {
                if (_inLoop)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "the loop bound can only bound the loop");
                    return null;
                }

                return new ScalarExpr("int", symbol.Name);
            }

            if (_prologueScalars.TryGetValue(symbol, out var scalar))
            {
                var type = Keyword(((ILocalSymbol)symbol).Type)!;
                if (_inLoop && _accumulatorNames.Contains(scalar))
                {
                    // An accumulator read anywhere but its own reduction sees the previous iteration.
                    _carried.Add(scalar);
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, id, scalar);
                    return null;
                }

                return LoopScalar(type, scalar);
            }

            if (_params.TryGetValue(symbol, out var p))
            {
                if (_vectorize)
                {
                    // [Vectorize]: each scalar parameter is one element of its input span.
                    NoteLane(p.ElementType);
                    return new LoadExpr(p.ElementType, p.Name);
                }

                if (p.Shape != ParamShape.Scalar)
                {
                    if (_inLoop)
                    {
                        Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "an array can only be indexed by the loop variable");
                        return null;
                    }

                    return new ScalarExpr("array", p.Name);
                }

                return LoopScalar(p.ElementType, p.Name);
            }

            if (_allocations.ContainsKey(symbol) && !_inLoop)
            {
                return new ScalarExpr("array", symbol.Name);
            }

            Report(DiagnosticDescriptors.JitUnsupportedExpression, id, id.Identifier.ValueText, "only parameters, locals of the method and constants can be read");
            return null;
        }

        /// <summary>A scalar the code reads: inside the loop the kernel takes it as a parameter (one per name).</summary>
        private ScalarExpr LoopScalar(string type, string name)
        {
            if (_inLoop && !_loopScalars.Contains(name))
            {
                _loopScalars.Add(name);
            }

            return new ScalarExpr(type, name);
        }

        private LoadExpr? ElementAccess(ElementAccessExpressionSyntax access, bool writing)
        {
            if (access.ArgumentList.Arguments.Count != 1 || Unparenthesize(access.Expression) is not IdentifierNameSyntax owner)
            {
                Report(DiagnosticDescriptors.JitUnsupportedIndex, access, access.ToString(), _loopVariableName);
                return null;
            }

            var argument = access.ArgumentList.Arguments[0];
            var symbol = _model.GetSymbolInfo(owner, _cancellationToken).Symbol;
            string name = owner.Identifier.ValueText;
            if (symbol is null || !(_params.TryGetValue(symbol, out var p) && p.Shape != ParamShape.Scalar || _allocations.ContainsKey(symbol)))
            {
                Report(DiagnosticDescriptors.JitUnprovableAliasing, owner, name);
                return null;
            }

            var found = ArrayByName(name)!.Value;
            int? offset = Offset(argument.Expression);
            if (offset != 0)
            {
                // a[i - 1] on an array the loop writes is the classic recurrence; a read of a[i + c] elsewhere is a view.
                bool carried = _arrays.TryGetValue(name, out var known) && known.Written || writing;
                if (carried || IsWrittenLater(access, name))
                {
                    Report(DiagnosticDescriptors.JitLoopCarriedDependency, access, access.ToString());
                    return null;
                }

                if (offset is null || found.IsLocal)
                {
                    Report(DiagnosticDescriptors.JitUnsupportedIndex, argument, access.ToString(), _loopVariableName);
                    return null;
                }

                if (_start + offset.Value < 0)
                {
                    Report(DiagnosticDescriptors.JitIndexBeforeStart, argument, access.ToString(), name, _start.ToString(CultureInfo.InvariantCulture), (-offset.Value).ToString(CultureInfo.InvariantCulture));
                    return null;
                }

                string view = name + (offset > 0 ? "Plus" : "Minus") + Math.Abs(offset.Value).ToString(CultureInfo.InvariantCulture);
                if (!_views.ContainsKey(view))
                {
                    string unique = Unique(view);
                    _views[view] = unique;
                    _arrays[unique] = new ArraySpec(unique, found.ElementType, found.Shape, IsLocal: false, Written: false, ReadsOriginal: false, name, offset.Value);
                    _arrayOrder.Add(unique);
                }

                NoteLane(found.ElementType);
                return new LoadExpr(found.ElementType, _views[view]);
            }

            return Register(name, found.ElementType, found.Shape, found.IsLocal, name, 0, writing);
        }

        /// <summary>The array (or view) <paramref name="name"/> the kernel gets, added on first use and marked written by a store.</summary>
        private LoadExpr Register(string name, string elementType, ParamShape shape, bool isLocal, string source, int offset, bool writing)
        {
            if (!_arrays.TryGetValue(name, out var spec))
            {
                spec = new ArraySpec(name, elementType, shape, isLocal, Written: false, ReadsOriginal: false, source, offset);
                _arrayOrder.Add(name);
            }

            if (writing)
            {
                spec = spec with { Written = true };
            }

            _arrays[name] = spec;
            NoteLane(elementType);
            return new LoadExpr(elementType, name);
        }

        /// <summary>The constant c of an index <c>i</c>, <c>i + c</c>, <c>c + i</c> or <c>i - c</c>; null for any other index.</summary>
        private int? Offset(ExpressionSyntax index)
        {
            index = Unparenthesize(index);
            if (IsLoopVariable(index))
            {
                return 0;
            }

            if (index is not BinaryExpressionSyntax binary || !(binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.SubtractExpression)))
            {
                return null;
            }

            int? Constant(ExpressionSyntax e) => _model.GetConstantValue(e, _cancellationToken) is { HasValue: true, Value: int c } ? c : null;
            if (IsLoopVariable(binary.Left) && Constant(binary.Right) is { } right)
            {
                return binary.IsKind(SyntaxKind.AddExpression) ? right : -right;
            }

            return binary.IsKind(SyntaxKind.AddExpression) && IsLoopVariable(binary.Right) && Constant(binary.Left) is { } left ? left : null;
        }

        private static bool IsWrittenLater(ElementAccessExpressionSyntax access, string name) =>
            access.FirstAncestorOrSelf<ForStatementSyntax>() is { } loop && WritesElementOf(loop.Statement, name);

        /// <summary>Whether <paramref name="body"/> assigns (or increments) an element of the array <paramref name="name"/> anywhere.</summary>
        private static bool WritesElementOf(StatementSyntax body, string name)
        {
            bool Writes(ExpressionSyntax target) => Unparenthesize(target) is ElementAccessExpressionSyntax { Expression: IdentifierNameSyntax id } && id.Identifier.ValueText == name;
            return body.DescendantNodes().Any(n => n switch
            {
                AssignmentExpressionSyntax a => Writes(a.Left),
                PostfixUnaryExpressionSyntax p => Writes(p.Operand),
                PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression) => Writes(p.Operand),
                _ => false,
            });
        }

        /// <summary>The first array read or written fixes the lane type counters accumulate in; other widths are parts of a step.</summary>
        private void NoteLane(string type) => _laneType ??= type;

        private Expr? Binary(BinaryExpressionSyntax binary, TypeInfo info)
        {
            var kind = binary.Kind();
            string? op = kind switch
            {
                SyntaxKind.AddExpression => "+",
                SyntaxKind.SubtractExpression => "-",
                SyntaxKind.MultiplyExpression => "*",
                SyntaxKind.DivideExpression => "/",
                SyntaxKind.ModuloExpression => "%",
                SyntaxKind.LessThanExpression => "<",
                SyntaxKind.LessThanOrEqualExpression => "<=",
                SyntaxKind.GreaterThanExpression => ">",
                SyntaxKind.GreaterThanOrEqualExpression => ">=",
                SyntaxKind.EqualsExpression => "==",
                SyntaxKind.NotEqualsExpression => "!=",
                SyntaxKind.LogicalAndExpression => "&&",
                SyntaxKind.LogicalOrExpression => "||",
                SyntaxKind.BitwiseAndExpression => "&",
                SyntaxKind.BitwiseOrExpression => "|",
                SyntaxKind.ExclusiveOrExpression => "^",
                SyntaxKind.LeftShiftExpression => "<<",
                SyntaxKind.RightShiftExpression => ">>",
                SyntaxKind.UnsignedRightShiftExpression => ">>>",
                _ => null,
            };
            if (op is null)
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.OperatorToken.Text, "only + - * / % & | ^ << >> >>> comparisons && || are vectorized");
                return null;
            }

            var left = ParseExpression(binary.Left);
            if (left is null)
            {
                return null;
            }

            // The right side of && and || runs only where the left decided nothing yet: a division there
            // divides only in those lanes.
            var right = op is "&&" or "||" && left.Type == "bool"
                ? UnderMask(op == "&&" ? left : new UnaryExpr("bool", "!", left), () => ParseExpression(binary.Right))
                : ParseExpression(binary.Right);
            if (right is null)
            {
                return null;
            }

            // On bools & and | are && and || without the short circuit, which a mask never has anyway.
            if (op is "&" or "|" or "^" && left.Type == "bool" && right.Type == "bool")
            {
                op = op switch { "&" => "&&", "|" => "||", _ => "^" };
            }

            if (op is "&&" or "||" || op == "^" && left.Type == "bool")
            {
                if (left.Type != "bool" || right.Type != "bool")
                {
                    Report(DiagnosticDescriptors.JitUnsupportedExpression, binary, binary.ToString(), "&& and || need comparisons on both sides");
                    return null;
                }

                return new BinaryExpr("bool", op, left, right);
            }

            if (op is "<<" or ">>" or ">>>")
            {
                if (!right.Invariant)
                {
                    // A vector shifts every lane by one count; per-lane counts have no instruction below AVX2.
                    Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "the shift count must be the same in every iteration");
                    return null;
                }

                return new BinaryExpr(left.Type, op, left, right);
            }

            if (op is "&" or "|" or "^" && !(IsInteger(left.Type) && IsInteger(right.Type)))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "bitwise operators apply to integers only");
                return null;
            }

            if (op is "<" or "<=" or ">" or ">=" or "==" or "!=" && Unpromote(left, right) is { } unpromoted)
            {
                // Compared in the operands' own lanes, the mask needs no widening.
                (left, right) = unpromoted;
            }

            if (info.Type is not { } resultType || (Keyword(resultType) is not { } type && resultType.SpecialType != SpecialType.System_Boolean))
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, binary, binary.ToString(), info.Type?.ToMessageString() ?? "?");
                return null;
            }

            if (left.Type == "bool" || right.Type == "bool")
            {
                Report(DiagnosticDescriptors.JitUnsupportedExpression, binary, binary.ToString(), "comparisons can only be combined with && and ||");
                return null;
            }

            if (op is "/" or "%" && IsInteger(left.Type) && !(left.Invariant && right.Invariant))
            {
                string integer = Keyword(resultType)!;
                if (Size(integer) == 8)
                {
                    Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), $"{integer} {(op == "/" ? "division" : "remainder")} has no exact vector form: no instruction divides integer vectors, and a double lane holds only 53 bits");
                    return null;
                }

                // 32-bit and promoted small integers divide exactly in double lanes (JitDivision).
                return new DivideExpr(integer, op, Coerce(left, integer), Coerce(right, integer), _mask);
            }

            if (op == "%" && IsFloat(left.Type))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, binary.OperatorToken, binary.ToString(), "% on float and double is exact in C# (the remainder of the rounded quotient is never computed), which no vector instruction sequence reproduces");
                return null;
            }

            return new BinaryExpr(resultType.SpecialType == SpecialType.System_Boolean ? "bool" : Keyword(resultType)!, op, left, right);
        }

        private Expr? Call(InvocationExpressionSyntax invocation, TypeInfo info)
        {
            var method = _model.GetSymbolInfo(invocation, _cancellationToken).Symbol as IMethodSymbol;
            string display = invocation.Expression.ToString();
            if (method is { Name: "GetLength", ContainingType.SpecialType: SpecialType.System_Array })
            {
                return GetLength(invocation, method);
            }

            if (method is not null && IsHelperCandidate(method))
            {
                return InlineHelper(invocation, method);
            }

            if (method is { Name: "Pow" or "Tanh" or "Atan2" } && IsMathType(method.ContainingType))
            {
                // Not cheap: .NET 10's vectors have Exp, Log, Sin and Cos but no Pow, Tanh or Atan2, and exp(y·log x)
                // loses up to |y·log x| ulps, so a kernel would have to carry its own bounded approximation.
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, $"Vector512/256/128 have no {method.Name} in .NET 10, and composing it from Exp and Log would not stay within a few ulp; compute it outside the kernel, or write it with supported operations (x * x for Pow(x, 2))");
                return null;
            }

            if (method is null || !IsMathType(method.ContainingType) || !VectorFunctions.Contains(method.Name))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "only Math/MathF Abs, Min, Max, Sqrt, FusedMultiplyAdd, Floor, Ceiling, Round, Truncate, Clamp, Exp, Log, Sin and Cos are vectorized");
                return null;
            }

            if (info.Type is not { } returnType || Keyword(returnType) is not { } type)
            {
                Report(DiagnosticDescriptors.JitUnsupportedType, invocation, display, info.Type?.ToMessageString() ?? "?");
                return null;
            }

            if (method.Parameters.Length != invocation.ArgumentList.Arguments.Count || method.Name == "Round" && method.Parameters.Length != 1)
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "this overload has no vector form");
                return null;
            }

            if (method.Name == "Abs" && IsInteger(type))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "Math.Abs throws on MinValue for integers, which a vector cannot do");
                return null;
            }

            if (method.Name is "Sqrt" or "Floor" or "Ceiling" or "Round" or "Truncate" or "Exp" or "Log" or "Sin" or "Cos" or "FusedMultiplyAdd" && !IsFloat(type))
            {
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "this function is vectorized for float and double only");
                return null;
            }

            if (ApproximateFunctions.Contains(method.Name) && !_fastMath)
            {
                Report(DiagnosticDescriptors.JitNeedsFastMath, invocation, display, method.Name);
                return null;
            }

            var args = new List<Expr>();
            foreach (var argument in invocation.ArgumentList.Arguments)
            {
                if (ParseExpression(argument.Expression) is not { } a)
                {
                    return null;
                }

                args.Add(Coerce(a, type));
            }

            if (method.Name == "Clamp" && !(args[1].Invariant && args[2].Invariant))
            {
                // Math.Clamp throws when min > max; checked once up front, which needs invariant bounds.
                Report(DiagnosticDescriptors.JitNoVectorForm, invocation, display, "Clamp's min and max must be the same in every iteration");
                return null;
            }

            return new CallExpr(type, method.Name, args.ToEquatableArray());
        }

        private static bool IsMathType(INamedTypeSymbol? type) =>
            type is { Name: "Math" or "MathF", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

        // ---- types and literals ----

        internal static string? Keyword(ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_Single => "float",
            SpecialType.System_Double => "double",
            SpecialType.System_Int32 => "int",
            SpecialType.System_Int64 => "long",
            SpecialType.System_Byte => "byte",
            SpecialType.System_SByte => "sbyte",
            SpecialType.System_Int16 => "short",
            SpecialType.System_UInt16 => "ushort",
            SpecialType.System_UInt32 => "uint",
            SpecialType.System_UInt64 => "ulong",
            _ => null,
        };
    }
}
