using System.Globalization;
using System.Reflection;
using System.Text;
using Parallax.Generator.Common;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Common;

/// <summary>
/// The one literal formatter, checked the only way that counts: every emitted literal is compiled as a
/// constant of its type and as a boxed value, and what the compiler made of it is compared with the
/// original bit for bit (and type for type).
/// </summary>
public class CSharpLiteralTests
{
    [Fact]
    public void Every_special_double_and_float_compiles_back_to_its_bits()
    {
        var rng = new Random(1);
        var doubles = new List<double>
        {
            double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MinValue, double.MaxValue,
            double.Epsilon, -double.Epsilon, 0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, 1e300, 1e-300, 9007199254740992.0, 9007199254740993.0,
            2.2250738585072014E-308, BitConverter.Int64BitsToDouble(0x000FFFFFFFFFFFFF), 123456789012345678.0, 5e-324, 1.7976931348623157E+308,
        };
        var floats = new List<float>
        {
            float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MinValue, float.MaxValue,
            float.Epsilon, -float.Epsilon, 0f, -0f, 1f, -1f, 0.1f, 1f / 3, 1e38f, 1e-38f, 16777216f, 16777217f,
            BitConverter.Int32BitsToSingle(0x007FFFFF), 3.4028235E+38f,
        };
        for (int i = 0; i < 2000; i++)
        {
            // Random bit patterns cover every binade, subnormals included; NaN payloads have no C# constant.
            double d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            float f = BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue));
            if (!double.IsNaN(d)) doubles.Add(d);
            if (!float.IsNaN(f)) floats.Add(f);
        }

        AssertRoundTrips("double", doubles.Cast<object>().ToList(), (a, b) => BitConverter.DoubleToInt64Bits((double)a) == BitConverter.DoubleToInt64Bits((double)b));
        AssertRoundTrips("float", floats.Cast<object>().ToList(), (a, b) => BitConverter.SingleToInt32Bits((float)a) == BitConverter.SingleToInt32Bits((float)b));
    }

    [Fact]
    public void Every_integer_type_at_its_limits_compiles_back_to_its_value_and_type()
    {
        var values = new object[]
        {
            int.MinValue, int.MaxValue, 0, -1, 1, long.MinValue, long.MaxValue, 0L, -1L, uint.MinValue, uint.MaxValue, ulong.MinValue, ulong.MaxValue,
            byte.MinValue, byte.MaxValue, sbyte.MinValue, sbyte.MaxValue, (sbyte)-1, short.MinValue, short.MaxValue, ushort.MinValue, ushort.MaxValue,
        };
        foreach (var group in values.GroupBy(v => v.GetType()))
        {
            AssertRoundTrips(Keyword(group.Key), group.ToList(), (a, b) => a.Equals(b));
        }
    }

    [Fact]
    public void Decimals_keep_their_scale_and_the_sign_of_zero()
    {
        var rng = new Random(2);
        var values = new List<object>
        {
            decimal.MinValue, decimal.MaxValue, 0m, -0m, new decimal(0, 0, 0, true, 3), 1m, 1.0m, 1.50m, -1m, 0.0000000000000000000000000001m,
            -0.0000000000000000000000000001m, 7.9228162514264337593543950335m, decimal.MinusOne,
        };
        for (int i = 0; i < 200; i++)
        {
            values.Add(new decimal(rng.Next(), rng.Next(), rng.Next(), rng.Next(2) == 1, (byte)rng.Next(29)));
        }

        AssertRoundTrips("decimal", values, (a, b) => decimal.GetBits((decimal)a).SequenceEqual(decimal.GetBits((decimal)b)));
    }

    [Fact]
    public void Every_char_and_escaped_strings_compile_back_to_their_text()
    {
        AssertRoundTrips("char", Enumerable.Range(0, 65536).Select(c => (object)(char)c).ToList(), (a, b) => a.Equals(b));
        var strings = new List<object>
        {
            "", "plain", "quote \" and backslash \\ and apostrophe '", "\0\a\b\f\n\r\t\v", "\u0085\u2028\u2029\u00a0\ufeff",
            "lone \ud800 high", "lone \udc00 low", "pair \ud83d\ude00", "{braces} and $\"holes\"", "@verbatim", "\x7f\x01",
            new string(Enumerable.Range(0, 512).Select(c => (char)c).ToArray()),
        };
        AssertRoundTrips("string", strings, (a, b) => a.Equals(b));
    }

    [Fact]
    public void Null_and_booleans_and_conversions_to_a_lane_type()
    {
        Assert.Equal("null", CSharpLiteral.Format(null));
        Assert.Equal("true", CSharpLiteral.Format(true));
        Assert.Equal("false", CSharpLiteral.Format(false));

        // The Jit converts a constant to its lane type, wrapping integers as an unchecked conversion does.
        Assert.Equal("(byte)255", CSharpLiteral.Format(-1, "byte"));
        Assert.Equal("(sbyte)(-1)", CSharpLiteral.Format(255, "sbyte"));
        Assert.Equal("18446744073709551615UL", CSharpLiteral.Format(-1L, "ulong"));
        Assert.Equal("-1L", CSharpLiteral.Format(ulong.MaxValue, "long"));
        Assert.Equal("2.0", CSharpLiteral.Format(2, "double"));
        Assert.Equal("float.NaN", CSharpLiteral.Format(double.NaN, "float"));
        Assert.Equal("-0.0", CSharpLiteral.Format(-0.0f, "double"));
        Assert.Throws<ArgumentException>(() => CSharpLiteral.Format(new object()));
    }

    /// <summary>
    /// Compiles each literal twice, as <c>const T C{i} = literal;</c> (so it must be a constant of type T)
    /// and as an element of an <c>object[]</c> (so its own type must be T, not one it converts to), then
    /// reads both back and compares them with the value it was made from.
    /// </summary>
    private static void AssertRoundTrips(string keyword, IReadOnlyList<object> values, Func<object, object, bool> same)
    {
        // A type holds at most 65535 fields: constants go into classes of a few thousand.
        const int PerClass = 8192;
        var source = new StringBuilder();
        var literals = values.Select(v => CSharpLiteral.Format(v)).ToList();
        for (int i = 0; i < values.Count; i++)
        {
            if (i % PerClass == 0)
            {
                source.Append(i == 0 ? string.Empty : "}\n").Append(CultureInfo.InvariantCulture, $"public static class Constants{i / PerClass}\n{{\n");
            }

            source.Append(CultureInfo.InvariantCulture, $"    public const {keyword} C{i} = {literals[i]};\n");
        }

        source.Append("}\npublic static class Boxed\n{\n    public static readonly object[] Values =\n    {\n");
        foreach (var literal in literals)
        {
            source.Append("        ").Append(literal).Append(",\n");
        }

        source.Append("    };\n}\n");
        var compilation = GeneratorHarness.Compile(source.ToString());
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Take(5).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        using var pe = new MemoryStream();
        Assert.True(compilation.Emit(pe).Success);
        var assembly = Assembly.Load(pe.ToArray());
        var boxed = (object[])assembly.GetType("Boxed")!.GetField("Values")!.GetValue(null)!;
        for (int i = 0; i < values.Count; i++)
        {
            var field = assembly.GetType("Constants" + (i / PerClass))!.GetField("C" + i)!;
            object constant = field.IsLiteral ? field.GetRawConstantValue()! : DecimalConstant(field);
            Assert.True(same(values[i], constant), $"{keyword} {Describe(values[i])} was written {literals[i]} and compiled to the constant {Describe(constant)}");
            Assert.Equal(values[i].GetType(), boxed[i].GetType());
            Assert.True(same(values[i], boxed[i]), $"{keyword} {Describe(values[i])} was written {literals[i]} and compiled to {Describe(boxed[i])}");
        }
    }

    // A decimal constant is not a metadata constant: C# stores it in [DecimalConstant].
    private static object DecimalConstant(FieldInfo field) => field.GetCustomAttribute<System.Runtime.CompilerServices.DecimalConstantAttribute>()!.Value;

    private static string Describe(object value) => value switch
    {
        double d => $"{d:R} (bits {BitConverter.DoubleToInt64Bits(d):X16})",
        float f => $"{f:R} (bits {BitConverter.SingleToInt32Bits(f):X8})",
        decimal m => $"{m} (bits {string.Join(",", decimal.GetBits(m))})",
        char c => $"U+{(int)c:X4}",
        string s => string.Join(" ", s.Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture))),
        _ => value.ToString() ?? "null",
    };

    private static string Keyword(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int32 => "int",
        TypeCode.Int64 => "long",
        TypeCode.UInt32 => "uint",
        TypeCode.UInt64 => "ulong",
        TypeCode.Byte => "byte",
        TypeCode.SByte => "sbyte",
        TypeCode.Int16 => "short",
        TypeCode.UInt16 => "ushort",
        _ => throw new ArgumentException(type.Name),
    };
}
