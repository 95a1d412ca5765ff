namespace Parallax.Generator.Jit.Model;

/// <summary>
/// The rules of the element types a kernel computes in, named by their C# keywords (float, double,
/// byte, sbyte, short, ushort, int, uint, long, ulong; "bool" for a comparison's mask): sizes,
/// promotions, exact conversions between vector widths, and the identities of reductions. The parser
/// decides with them what it accepts, the emitter how it writes it.
/// </summary>
internal static class NumericTypes
{
    public static bool IsFloat(string type) => type is "float" or "double";

    public static bool IsInteger(string type) => type is "int" or "long" or "byte" or "sbyte" or "short" or "ushort" or "uint" or "ulong";

    public static bool IsSigned(string type) => type is "sbyte" or "short" or "int" or "long";

    /// <summary>Types that C# promotes to int before any arithmetic: their results need a cast back.</summary>
    public static bool IsSmall(string type) => type is "byte" or "sbyte" or "short" or "ushort";

    /// <summary>Bytes per element.</summary>
    public static int Size(string type) => type switch
    {
        "double" or "long" or "ulong" => 8,
        "byte" or "sbyte" => 1,
        "short" or "ushort" => 2,
        _ => 4,
    };

    /// <summary>The signed integer of <paramref name="size"/> bytes: how a mask changes width (all ones stays all ones).</summary>
    public static string SignedOfSize(int size) => size switch { 1 => "sbyte", 2 => "short", 4 => "int", _ => "long" };

    /// <summary>A counter's lane type for data of another width; counts in 1- or 2-byte lanes would wrap.</summary>
    public static string? CounterOfSize(int size) => size switch { 8 => "long", 4 => "int", _ => null };

    /// <summary>The type one widening step gives, sign- or zero-extending as C# does (float widens to double).</summary>
    public static string Wider(string type) => type switch
    {
        "byte" => "ushort",
        "sbyte" => "short",
        "ushort" => "uint",
        "short" => "int",
        "uint" => "ulong",
        "int" => "long",
        _ => "double",
    };

    /// <summary>The type one narrowing step gives (integers wrap, double rounds to float).</summary>
    public static string Narrower(string type) => type switch
    {
        "ushort" => "byte",
        "short" => "sbyte",
        "uint" => "ushort",
        "int" => "short",
        "ulong" => "uint",
        "long" => "int",
        _ => "float",
    };

    /// <summary>Whether <paramref name="value"/> is a value of integer type <paramref name="type"/>.</summary>
    public static bool FitsIn(long value, string type) => Wrap(value, type) == value;

    /// <summary>Whether every value of integer type <paramref name="from"/> is a value of <paramref name="to"/>.</summary>
    public static bool Contains(string to, string from) =>
        IsSigned(to) == IsSigned(from) ? Size(to) >= Size(from) : IsSigned(to) && Size(to) > Size(from);

    /// <summary>
    /// Null when a per-element conversion from <paramref name="from"/> to <paramref name="to"/> has an
    /// exact vector form; otherwise why not. Integers widen (sign- or zero-extending like C#) and
    /// narrow (wrapping) between any widths; integers become floats after widening to the float's
    /// width, which is exact; float widens to double and double narrows to float (rounding once).
    /// </summary>
    public static string? VectorConversion(string from, string to)
    {
        if (from == to || Size(from) == Size(to) || IsInteger(from) && IsInteger(to) || from == "float" && to == "double" || from == "double" && to == "float")
        {
            return null;
        }

        if (IsInteger(from) && IsFloat(to))
        {
            return Size(from) < Size(to) ? null : $"({to}){from} rounds once in C#, but a vector conversion would round twice; convert in the scalar code or keep both at one width";
        }

        if (from == "float" && to is "long" or "ulong")
        {
            return null;
        }

        return $"({to}){from} saturates at {to}'s range in C#, which no vector conversion does; convert to {(to.StartsWith("u", StringComparison.Ordinal) ? "ulong" : "long")} first";
    }

    /// <summary>The value that leaves an accumulator unchanged, bit for bit (-0.0 for float sums).</summary>
    public static ConstExpr Identity(ReductionKind kind, string type) => kind switch
    {
        ReductionKind.Sum => IsFloat(type) ? ConstExpr.Float(type, -0.0) : ConstExpr.Integer(type, 0),
        ReductionKind.Product => IsFloat(type) ? ConstExpr.Float(type, 1) : ConstExpr.Integer(type, 1),
        ReductionKind.Min => IsFloat(type) ? ConstExpr.Float(type, double.PositiveInfinity) : ConstExpr.Integer(type, MaxValue(type)),
        _ => IsFloat(type) ? ConstExpr.Float(type, double.NegativeInfinity) : ConstExpr.Integer(type, MinValue(type)),
    };

    /// <summary>The integer type's largest value (ulong's as all bits set).</summary>
    public static long MaxValue(string type) => type switch
    {
        "byte" => byte.MaxValue,
        "sbyte" => sbyte.MaxValue,
        "short" => short.MaxValue,
        "ushort" => ushort.MaxValue,
        "int" => int.MaxValue,
        "uint" => uint.MaxValue,
        "long" => long.MaxValue,
        _ => -1, // ulong.MaxValue: all bits set
    };

    /// <summary>The integer type's least value.</summary>
    public static long MinValue(string type) => type switch
    {
        "sbyte" => sbyte.MinValue,
        "short" => short.MinValue,
        "int" => int.MinValue,
        "long" => long.MinValue,
        _ => 0,
    };

    /// <summary><paramref name="value"/> wrapped to integer type <paramref name="type"/> (an unchecked conversion, or a vector lane), sign- or zero-extended back.</summary>
    public static long Wrap(long value, string type) => type switch
    {
        "byte" => unchecked((byte)value),
        "sbyte" => unchecked((sbyte)value),
        "short" => unchecked((short)value),
        "ushort" => unchecked((ushort)value),
        "int" => unchecked((int)value),
        "uint" => unchecked((uint)value),
        _ => value,
    };
}
