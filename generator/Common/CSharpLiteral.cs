using System.Globalization;

namespace Parallax.Generator.Common;

/// <summary>
/// Writes a constant (a <c>ConstantValue</c> or a parameter's default, as Roslyn boxes it) as C# that
/// compiles back to the same value of the same type, bit for bit, in any context a constant may stand
/// in (a default parameter value, a <c>const</c>, an operand). One formatter for every generator: three
/// had each missed a different special value (<c>NaND</c>, <c>InfinityF</c>).
/// </summary>
internal static class CSharpLiteral
{
    private static readonly long NaNBits = BitConverter.DoubleToInt64Bits(double.NaN);
    private static readonly int SingleNaNBits = SingleToInt32Bits(float.NaN);

    /// <summary>The literal of <paramref name="value"/> in its own type; null is <c>null</c>.</summary>
    /// <exception cref="ArgumentException">The value is not of a type C# has constants of.</exception>
    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        char c => SymbolDisplay.FormatLiteral(c, quote: true),
        string s => SymbolDisplay.FormatLiteral(s, quote: true),
        double d => Double(d),
        float f => Single(f),
        decimal m => Decimal(m),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        uint u => u.ToString(CultureInfo.InvariantCulture) + "u",
        ulong u => u.ToString(CultureInfo.InvariantCulture) + "UL",

        // C# has no literals of the narrow types: a cast of an int constant is one, and stays a constant.
        byte b => Cast("byte", b),
        sbyte b => Cast("sbyte", b),
        short s => Cast("short", s),
        ushort s => Cast("ushort", s),
        _ => throw new ArgumentException($"'{value}' of type {value.GetType()} is not a C# constant; only null, bool, char, string and the numeric types are", nameof(value)),
    };

    /// <summary>
    /// The literal of <paramref name="value"/> converted to the numeric type <paramref name="keyword"/>
    /// (<c>double</c>, <c>int</c>...): integers wrap as an unchecked conversion (or a vector lane) does.
    /// </summary>
    public static string Format(object value, string keyword)
    {
        if (keyword is "double" or "float")
        {
            double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            return keyword == "double" ? Double(d) : Single((float)d);
        }

        long bits = value is ulong u ? unchecked((long)u) : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        return Format(keyword switch
        {
            "long" => bits,
            "ulong" => unchecked((ulong)bits),
            "uint" => unchecked((uint)bits),
            "byte" => unchecked((byte)bits),
            "sbyte" => unchecked((sbyte)bits),
            "short" => unchecked((short)bits),
            "ushort" => unchecked((ushort)bits),
            "int" => (object)unchecked((int)bits),
            _ => throw new ArgumentException($"'{keyword}' is not a numeric type keyword", nameof(keyword)),
        });
    }

    private static string Cast(string keyword, long value) =>
        "(" + keyword + ")" + (value < 0 ? "(" + value.ToString(CultureInfo.InvariantCulture) + ")" : value.ToString(CultureInfo.InvariantCulture));

    private static string Double(double d)
    {
        if (double.IsNaN(d))
        {
            // Constant folding makes only two NaNs: double.NaN and its negation (other payloads have no C# constant).
            return BitConverter.DoubleToInt64Bits(d) == NaNBits ? "double.NaN" : "-double.NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity";
        }

        if (d == 0)
        {
            return BitConverter.DoubleToInt64Bits(d) == 0 ? "0.0" : "-0.0";
        }

        // "R" is the shortest round trip on .NET Core 3.0+, but not on the .NET Framework a Visual Studio
        // compiler may run on: check, and fall back to the 17 digits that always round-trip.
        string text = d.ToString("R", CultureInfo.InvariantCulture);
        if (double.Parse(text, CultureInfo.InvariantCulture) != d)
        {
            text = d.ToString("G17", CultureInfo.InvariantCulture);
        }

        // Without a point or an exponent the text is an integer literal.
        return text.IndexOfAny(new[] { '.', 'E' }) < 0 ? text + ".0" : text;
    }

    private static string Single(float f)
    {
        if (float.IsNaN(f))
        {
            return SingleToInt32Bits(f) == SingleNaNBits ? "float.NaN" : "-float.NaN";
        }

        if (float.IsInfinity(f))
        {
            return f > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
        }

        if (f == 0)
        {
            return SingleToInt32Bits(f) == 0 ? "0f" : "-0.0f";
        }

        string text = f.ToString("R", CultureInfo.InvariantCulture);
        if (float.Parse(text, CultureInfo.InvariantCulture) != f)
        {
            text = f.ToString("G9", CultureInfo.InvariantCulture);
        }

        return text + "f";
    }

    private static string Decimal(decimal m)
    {
        // decimal keeps its scale (1.50m is not 1.5m) and the sign of a zero; ToString writes the scale
        // but drops that sign.
        string text = m.ToString(CultureInfo.InvariantCulture);
        bool negativeZero = m == 0m && (decimal.GetBits(m)[3] & int.MinValue) != 0;
        return (negativeZero ? "-" : string.Empty) + text + "m";
    }

    private static int SingleToInt32Bits(float f) => BitConverter.ToInt32(BitConverter.GetBytes(f), 0);
}
