using System.Globalization;
using static Parallax.Generator.Jit.Model.NumericTypes;

namespace Parallax.Generator.Jit;

public sealed partial class JitGenerator
{
    /// <summary>
    /// The emitter's expressions: an <see cref="Expr"/> as a vector of each width (masks across lane
    /// widths, widening and narrowing by parts, conversions at the target's width) and as scalar C#
    /// with the casts C# needs, and constants as literals.
    /// </summary>
    internal sealed partial class Emitter
    {
        /// <summary>
        /// How many vectors a value of <paramref name="type"/> takes per step: the kernel steps by one
        /// vector of its narrowest type, so a double in a float kernel is two vectors, a long in a byte kernel eight.
        /// </summary>
        private int Parts(string type) => type == "bool" ? 1 : Math.Max(1, Size(type) / Size(_spec.LaneType));

        private string PartName(string name, string type, int p) => Parts(type) == 1 ? name : name + "_p" + p.ToString(CultureInfo.InvariantCulture);

        /// <summary>The element index of part <paramref name="p"/> of a vector of <paramref name="type"/> at <paramref name="k"/>.</summary>
        private static string Index(string k, string width, string type, int p)
        {
            if (p == 0)
            {
                return k;
            }

            string offset = (p == 1 ? string.Empty : p.ToString(CultureInfo.InvariantCulture) + " * ") + $"(nuint){width}<{type}>.Count";
            return k == "0" ? offset : k + " + " + offset;
        }

        // ---- expressions ----

        /// <summary>The element type of the mask a comparison produces: its operands' type.</summary>
        private static string MaskType(Expr e) => e switch
        {
            MaskExpr m => m.LaneType,
            BinaryExpr { Op: "&&" or "||" or "^", Type: "bool" } b => MaskType(b.Left),
            BinaryExpr b => b.Left.Type,
            UnaryExpr u => MaskType(u.Operand),
            _ => e.Type,
        };

        /// <summary>Part <paramref name="p"/> of a condition as a mask in lanes of <paramref name="type"/>: all ones or all zeros per lane.</summary>
        private string Mask(Expr condition, string width, string type, int p)
        {
            string from = MaskType(condition);
            if (Size(from) == Size(type))
            {
                string mask = Vector(condition, width, p);
                return from == type ? mask : $"{mask}.As<{from}, {type}>()";
            }

            // Across widths a mask is a signed integer: narrowing keeps all-ones, widening sign-extends it.
            string signedFrom = SignedOfSize(Size(from)), signedTo = SignedOfSize(Size(type));
            string resized = Resize(q => As(Vector(condition, width, q), from, signedFrom), signedFrom, signedTo, width, p);
            return As(resized, signedTo, type);
        }

        private static string As(string vector, string from, string to) => from == to ? vector : $"{vector}.As<{from}, {to}>()";

        /// <summary>
        /// Part <paramref name="p"/> of a value converted between widths: widening takes the lower or
        /// upper half of one source vector per level (sign- or zero-extending like C#), narrowing packs
        /// two source vectors per level (wrapping integers, rounding double to float once); then a
        /// conversion at the target's width.
        /// </summary>
        private static string Resize(Func<int, string> source, string from, string to, string width, int p)
        {
            int fromSize = Size(from), toSize = Size(to);
            string type = from;
            string vector;
            if (toSize > fromSize)
            {
                int factor = toSize / fromSize, levels = factor == 2 ? 1 : factor == 4 ? 2 : 3;
                int piece = p % factor;
                vector = source(p / factor);
                for (int level = levels - 1; level >= 0; level--)
                {
                    vector = $"{width}.Widen{((piece >> level & 1) == 0 ? "Lower" : "Upper")}({vector})";
                    type = Wider(type);
                }
            }
            else
            {
                int factor = fromSize / toSize;
                var vectors = Enumerable.Range(p * factor, factor).Select(source).ToList();
                while (vectors.Count > 1)
                {
                    vectors = Enumerable.Range(0, vectors.Count / 2).Select(n => $"{width}.Narrow({vectors[2 * n]}, {vectors[2 * n + 1]})").ToList();
                    type = Narrower(type);
                }

                vector = vectors[0];
            }

            return SameWidth(vector, type, to, width);
        }

        private static string SameWidth(string vector, string from, string to, string width)
        {
            if (from == to)
            {
                return vector;
            }

            if (IsInteger(from) && IsInteger(to))
            {
                // Integers of one width differ only in how their bits are read: (uint)int, (byte)sbyte.
                return As(vector, from, to);
            }

            return to switch
            {
                "float" => $"{width}.ConvertToSingle({vector})",
                "double" => $"{width}.ConvertToDouble({vector})",
                "int" => $"{width}.ConvertToInt32({vector})",
                "uint" => $"{width}.ConvertToUInt32({vector})",
                "ulong" => $"{width}.ConvertToUInt64({vector})",
                _ => $"{width}.ConvertToInt64({vector})",
            };
        }

        private string Vector(Expr e, string width, int p)
        {
            if (e.Invariant && e.Type != "bool" && e is not ConstExpr)
            {
                // The JIT hoists the broadcast out of the loop.
                return $"{width}.Create({Bare(Scalar(e))})";
            }

            switch (e)
            {
                case ConstExpr c:
                    return $"{width}.Create({Literal(c)})";
                case LoadExpr l:
                    return PartName(_loads.First(x => x.Load == l).Name, l.Type, p);
                case LocalExpr l:
                    return PartName(l.Name, l.Type, p);
                case UnaryExpr u:
                    return Prefix(u.Op == "-" ? "-" : "~", Vector(u.Operand, width, p));
                case BinaryExpr { Op: "&&" or "||" or "^", Type: "bool" } b:
                    return $"({Vector(b.Left, width, p)} {(b.Op == "&&" ? "&" : b.Op == "||" ? "|" : "^")} {Mask(b.Right, width, MaskType(b.Left), p)})";
                case BinaryExpr b when b.Type == "bool":
                    string l_ = Vector(b.Left, width, p), r_ = Vector(b.Right, width, p);
                    return b.Op switch
                    {
                        "<" => $"{width}.LessThan({l_}, {r_})",
                        "<=" => $"{width}.LessThanOrEqual({l_}, {r_})",
                        ">" => $"{width}.GreaterThan({l_}, {r_})",
                        ">=" => $"{width}.GreaterThanOrEqual({l_}, {r_})",
                        "==" => $"{width}.Equals({l_}, {r_})",
                        _ => $"~{width}.Equals({l_}, {r_})",
                    };
                case BinaryExpr { Op: "<<" or ">>" or ">>>" } b:
                    return $"({Vector(b.Left, width, p)} {b.Op} {Scalar(b.Right)})";
                case BinaryExpr b:
                    return $"({Vector(b.Left, width, p)} {b.Op} {Vector(b.Right, width, p)})";
                case CondExpr { WhenFalse: LocalExpr counter, WhenTrue: BinaryExpr { Op: "+" or "-", Left: LocalExpr same, Right: ConstExpr { Bits: 1 } } step } c
                    when counter == same && IsInteger(c.Type) && !IsSmall(c.Type):
                    // k++ in some lanes: a mask lane is all ones, -1, so k - mask adds one exactly there.
                    return $"({Vector(counter, width, p)} {(step.Op == "+" ? "-" : "+")} {Mask(c.Condition, width, c.Type, p)})";
                case CondExpr c:
                    return $"{width}.ConditionalSelect({Mask(c.Condition, width, c.Type, p)}, {Vector(c.WhenTrue, width, p)}, {Vector(c.WhenFalse, width, p)})";
                case CallExpr { Function: "Clamp" } c:
                    return $"JitVector.Clamp({string.Join(", ", c.Arguments.Select(a => Vector(a, width, p)))})";
                case CallExpr c:
                    return $"{width}.{c.Function}({string.Join(", ", c.Arguments.Select(a => Vector(a, width, p)))})";
                case MaskExpr m:
                    return m.Name;
                case IndexExpr:
                    string offset = p == 0 ? string.Empty : $" + {p} * {width}<int>.Count";
                    return $"({width}.Create({Field(IndexFirst!)} + (int){_i}{offset}) + {width}<int>.Indices)";
                case DivideExpr d:
                    string active = d.Mask is null ? $"{width}<{d.Type}>.AllBitsSet" : Mask(d.Mask, width, d.Type, p);
                    return $"JitDivision.{(d.Op == "/" ? "Divide" : "Remainder")}({Vector(d.Left, width, p)}, {Vector(d.Right, width, p)}, {active})";
                case ConvertExpr c when Size(c.Operand.Type) == Size(c.Type):
                    return SameWidth(Vector(c.Operand, width, p), c.Operand.Type, c.Type, width);
                case ConvertExpr c:
                    return Resize(q => Vector(c.Operand, width, q), c.Operand.Type, c.Type, width, p);
                default:
                    throw new InvalidOperationException("unknown expression " + e);
            }
        }

        /// <summary>Drops the parentheses around a whole statement-level expression: they only matter inside another.</summary>
        private static string Bare(string expression)
        {
            if (expression.Length < 2 || expression[0] != '(' || expression[expression.Length - 1] != ')')
            {
                return expression;
            }

            int depth = 0;
            for (int c = 0; c < expression.Length - 1; c++)
            {
                depth += expression[c] == '(' ? 1 : expression[c] == ')' ? -1 : 0;
                if (depth == 0)
                {
                    return expression;
                }
            }

            return expression.Substring(1, expression.Length - 2);
        }

        private static string Prefix(string op, string operand) =>
            operand.StartsWith("-", StringComparison.Ordinal) || operand.StartsWith("~", StringComparison.Ordinal) ? $"{op}({operand})" : op + operand;

        private string Scalar(Expr e)
        {
            switch (e)
            {
                case ConstExpr c:
                    return Literal(c);
                case LengthExpr l:
                    return l.Array + ".Length";
                case DimensionExpr d:
                    return $"{d.Array}.GetLength({d.Dimension.ToString(CultureInfo.InvariantCulture)})";
                case ScalarExpr s:
                    return _inBody ? Field(s.Name) : s.Name;
                case LoadExpr l:
                    return Element(l.Array);
                case LocalExpr l:
                    return l.Name;
                case UnaryExpr { Op: "-", Type: "ulong" } u:
                    // C# has no unary minus on ulong; 0 - x wraps the same way.
                    return $"(0UL - {Scalar(u.Operand)})";
                case UnaryExpr u when IsSmall(u.Type) || u is { Op: "-", Type: "uint" }:
                    // C# promotes the operand (to int, or a uint to long); the kernel's type wraps it back.
                    return $"(({u.Type}){Prefix(u.Op, Scalar(u.Operand))})";
                case UnaryExpr u:
                    return Prefix(u.Op, Scalar(u.Operand));
                case BinaryExpr b when IsSmall(b.Type):
                    return $"(({b.Type})({Scalar(b.Left)} {b.Op} {Scalar(b.Right)}))";
                case BinaryExpr b:
                    return $"({Scalar(b.Left)} {b.Op} {Scalar(b.Right)})";
                case CondExpr c when ScalarCondition(c.Condition) is null:
                    return Scalar(c.WhenTrue);
                case CondExpr c:
                    return $"({ScalarCondition(c.Condition)} ? {Scalar(c.WhenTrue)} : {Scalar(c.WhenFalse)})";
                case MaskExpr:
                    return "true";
                case DivideExpr d:
                    return $"({Scalar(d.Left)} {d.Op} {Scalar(d.Right)})";
                case IndexExpr:
                    return $"({Field(IndexFirst!)} + (int){_i})";
                case ElementExpr element:
                    return $"{element.Array}[{string.Join(", ", element.Indices.Select(Index))}]";
                case CallExpr c:
                    string math = c.Type == "float" && c.Function != "Clamp" ? "global::System.MathF" : "global::System.Math";
                    return $"{math}.{c.Function}({string.Join(", ", c.Arguments.Select(Scalar))})";
                case ConvertExpr c:
                    return $"({c.Type}){Scalar(c.Operand)}";
                default:
                    throw new InvalidOperationException("unknown expression " + e);
            }
        }

        /// <summary>A constant as a C# literal of its type (<see cref="CSharpLiteral"/>), an integer type's extremes by name.</summary>
        private static string Literal(ConstExpr c)
        {
            long v = c.IntegerValue;
            if (IsInteger(c.Type) && (v == MaxValue(c.Type) || v != 0 && v == MinValue(c.Type)))
            {
                // int.MinValue reads better than -2147483648.
                return c.Type + (v == MaxValue(c.Type) ? ".MaxValue" : ".MinValue");
            }

            return IsFloat(c.Type) ? CSharpLiteral.Format(c.FloatValue, c.Type) : CSharpLiteral.Format(v, c.Type);
        }
    }
}
