using Parallax.Generator.Jit;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Jit;

/// <summary>One test per [Jit] diagnostic: the exact id, the construct it points at, and its arguments.</summary>
public class JitDiagnosticTests
{
    private static GeneratorRun Run(string members) => GeneratorHarness.Run(
        "using System; using Parallax;\npublic static partial class K\n{\n" + members + "\n}\n", new JitGenerator());

    private static void Expect(string members, params ExpectedDiagnostic[] expected) => Expect(Run(members), expected);

    private static void Expect(GeneratorRun run, params ExpectedDiagnostic[] expected)
    {
        DiagnosticAssert.Exactly(run, expected);
        Assert.DoesNotContain(run.Sources.Keys, k => k.StartsWith("Jit.", StringComparison.Ordinal));
    }

    /// <summary>As a project with &lt;CheckForOverflowUnderflow&gt;true&lt;/CheckForOverflowUnderflow&gt;.</summary>
    internal static GeneratorRun RunChecked(string members)
    {
        var compilation = GeneratorHarness.Compile("using System; using Parallax;\npublic static partial class K\n{\n" + members + "\n}\n");
        return GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithOverflowChecks(true)), new JitGenerator());
    }

    private const string ProjectChecks = "the project sets <CheckForOverflowUnderflow>true</CheckForOverflowUnderflow>";

    [Fact]
    public void PAR1000_instance_method() => Expect("""
        [Jit] public double[] F(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = x[i]; return r; }
        """, new ExpectedDiagnostic("PAR1000", "F", "F", "it must be static"));

    [Fact]
    public void PAR1001_statement_before_the_loop() => Expect("""
        [Jit] public static void F(double[] x) { Console.WriteLine(); for (int i = 0; i < x.Length; i++) x[i] = 1; }
        """, new ExpectedDiagnostic("PAR1001", "Console.WriteLine();", "F", "before the loop"));

    [Fact]
    public void PAR1002_loop_that_does_not_start_at_a_constant() => Expect("""
        [Jit] public static void F(double[] x, int s) { for (int i = s; i < x.Length; i++) x[i] = 1; }
        """, new ExpectedDiagnostic("PAR1002", "int i = s", "F", "it must declare 'int i = c' with a constant c >= 0"));

    [Fact]
    public void PAR1002_no_loop() => Expect("""
        [Jit] public static double[] F(double[] x) => x;
        """, new ExpectedDiagnostic("PAR1002", "F", "F", "the method has no for loop at the top level of its body"));

    [Fact]
    public void PAR1003_loop_carried_dependency() => Expect("""
        [Jit] public static void F(double[] x, double[] r) { for (int i = 0; i < x.Length; i++) r[i] = r[i - 1] + x[i]; }
        """, new ExpectedDiagnostic("PAR1003", "r[i - 1]", "F", "r[i - 1]"));

    [Fact]
    public void PAR1003_scalar_carried_between_iterations() => Expect("""
        [Jit] public static void F(double[] x, double[] r) { double prev = 0; for (int i = 0; i < x.Length; i++) { r[i] = x[i] - prev; prev = x[i]; } }
        """, new ExpectedDiagnostic("PAR1003", "prev", "F", "prev"));

    [Fact]
    public void PAR1004_index_other_than_the_loop_variable_plus_a_constant() => Expect("""
        [Jit] public static void F(double[] x, double[] r) { for (int i = 0; i < r.Length; i++) r[i] = x[2 * i]; }
        """, new ExpectedDiagnostic("PAR1004", "2 * i", "F", "x[2 * i]", "i"));

    [Fact]
    public void PAR1003_write_of_an_array_also_read_at_an_offset() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 1; i < x.Length; i++) x[i] = x[i - 1] * 0.5; }
        """, new ExpectedDiagnostic("PAR1003", "x[i - 1]", "F", "x[i - 1]"));

    [Fact]
    public void PAR1014_read_before_the_start_of_the_array() => Expect("""
        [Jit] public static void F(double[] x, double[] r) { for (int i = 1; i < r.Length; i++) r[i] = x[i - 2]; }
        """, new ExpectedDiagnostic("PAR1014", "i - 2", "F", "x[i - 2]", "x", "1", "2"));

    [Fact]
    public void PAR1005_shift_by_a_per_element_count() => Expect("""
        [Jit] public static void F(int[] x, int[] k) { for (int i = 0; i < x.Length; i++) x[i] = x[i] << k[i]; }
        """, new ExpectedDiagnostic("PAR1005", "<<", "F", "x[i] << k[i]", "the shift count must be the same in every iteration"));

    [Fact]
    public void PAR1005_long_division_has_no_exact_vector_form() => Expect("""
        [Jit] public static void F(long[] x, long[] y) { for (int i = 0; i < x.Length; i++) x[i] = x[i] / y[i]; }
        """, new ExpectedDiagnostic("PAR1005", "/", "F", "x[i] / y[i]", "long division has no exact vector form: no instruction divides integer vectors, and a double lane holds only 53 bits"));

    [Fact]
    public void PAR1009_long_to_float_would_round_twice() => Expect("""
        [Jit] public static void F(long[] x, float[] r) { for (int i = 0; i < x.Length; i++) r[i] = x[i] * 0.5f; }
        """, new ExpectedDiagnostic("PAR1009", "r[i] = x[i] * 0.5f", "F", "r[i] = x[i] * 0.5f", "long", "float", "(float)long rounds once in C#, but a vector conversion would round twice; convert in the scalar code or keep both at one width"));

    [Fact]
    public void PAR1005_call_with_no_vector_form() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = Math.Pow(x[i], 3); }
        """, new ExpectedDiagnostic("PAR1005", "Math.Pow(x[i], 3)", "F", "Math.Pow", "Vector512/256/128 have no Pow in .NET 10, and composing it from Exp and Log would not stay within a few ulp; compute it outside the kernel, or write it with supported operations (x * x for Pow(x, 2))"));

    [Fact]
    public void PAR1005_call_to_a_math_function_without_a_vector_form() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = Math.Asin(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Math.Asin(x[i])", "F", "Math.Asin", "only Math/MathF Abs, Min, Max, Sqrt, FusedMultiplyAdd, Floor, Ceiling, Round, Truncate, Clamp, Exp, Log, Sin and Cos are vectorized"));

    [Fact]
    public void PAR1005_floating_point_remainder() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = x[i] % 3.0; }
        """, new ExpectedDiagnostic("PAR1005", "%", "F", "x[i] % 3.0", "% on float and double is exact in C# (the remainder of the rounded quotient is never computed), which no vector instruction sequence reproduces"));

    [Fact]
    public void PAR1005_unsigned_long_remainder_of_a_uint_and_an_int() => Expect("""
        [Jit] public static void F(uint[] x, int[] y, long[] r) { for (int i = 0; i < x.Length; i++) r[i] = x[i] % y[i]; }
        """, new ExpectedDiagnostic("PAR1005", "%", "F", "x[i] % y[i]", "long remainder has no exact vector form: no instruction divides integer vectors, and a double lane holds only 53 bits"));

    [Fact]
    public void PAR1006_try_catch() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { try { x[i] = 1; } catch { } } }
        """, new ExpectedDiagnostic("PAR1006", "try", "F", "try/catch/finally"));

    [Fact]
    public void PAR1007_break() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] < 0) break; x[i] = 1; } }
        """, new ExpectedDiagnostic("PAR1007", "break;", "F", "break"));

    [Fact]
    public void PAR1007_continue() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] < 0) continue; x[i] = 1; } }
        """, new ExpectedDiagnostic("PAR1007", "continue;", "F", "continue"));

    [Fact]
    public void PAR1007_return() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] < 0) return; x[i] = 1; } }
        """, new ExpectedDiagnostic("PAR1007", "return;", "F", "return"));

    [Fact]
    public void PAR1007_goto_and_the_label_after_the_loop() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] < 0) goto done; x[i] = 1; } done: ; }
        """,
        new ExpectedDiagnostic("PAR1007", "goto done;", "F", "goto"),
        new ExpectedDiagnostic("PAR1001", "done: ;", "F", "after the loop"));

    [Fact]
    public void PAR1006_throw() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] < 0) throw new ArgumentException(); x[i] = 1; } }
        """, new ExpectedDiagnostic("PAR1006", "throw new ArgumentException();", "F", "throw"));

    [Fact]
    public void PAR1004_gather_through_an_index_array() => Expect("""
        [Jit] public static void F(double[] x, int[] idx, double[] r) { for (int i = 0; i < r.Length; i++) r[i] = x[idx[i]]; }
        """, new ExpectedDiagnostic("PAR1004", "idx[i]", "F", "x[idx[i]]", "i"));

    [Fact]
    public void PAR1005_integer_Math_Abs() => Expect("""
        [Jit] public static void F(int[] x) { for (int i = 0; i < x.Length; i++) x[i] = Math.Abs(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Math.Abs(x[i])", "F", "Math.Abs", "Math.Abs throws on MinValue for integers, which a vector cannot do"));

    [Fact]
    public void PAR1000_vectorize_without_parameters() => Expect("""
        [Vectorize] public static double One() => 1;
        """, new ExpectedDiagnostic("PAR1000", "One", "One", "[Vectorize] needs one or more scalar parameters of a numeric type"));

    [Fact]
    public void PAR1011_vectorize_transcendental_without_fast_math() => Expect("""
        [Vectorize] public static double S(double x) => Math.Sin(x);
        """, new ExpectedDiagnostic("PAR1011", "Math.Sin(x)", "S", "Math.Sin", "Sin"));

    [Fact]
    public void Vectorize_with_FastMath_generates_a_span_overload_that_runs_the_vector_Sin()
    {
        var run = Run("""
            [Vectorize(FastMath = true)] public static double S(double x) => Math.Sin(x) * 2;
            public static double[] Apply(double[] x) { var r = new double[x.Length]; S(x, r); return r; }
            """).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Contains("Vector512.Sin(", run.Sources["Jit.Vectorize.K.S.g.cs"]);
        var x = Enumerable.Range(0, 100).Select(i => i * 0.37 - 20).ToArray();
        var r = (double[])run.Load().GetType("K")!.GetMethod("Apply")!.Invoke(null, [x])!;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(r[i] - 2 * Math.Sin(x[i])) <= 2 * (Math.BitIncrement(Math.Abs(2 * Math.Sin(x[i]))) - Math.Abs(2 * Math.Sin(x[i]))), $"S({x[i]}) = {r[i]}");
        }
    }

    [Fact]
    public void PAR1008_names_a_multidimensional_array_as_CSharp_writes_it() => Expect("""
        [Jit] public static void F(decimal[,] x, double[] y) { for (int i = 0; i < y.Length; i++) y[i] = 1; }
        """, new ExpectedDiagnostic("PAR1008", "decimal[,]", "F", "x", "decimal[,]"));

    [Fact]
    public void PAR1008_unsupported_type() => Expect("""
        [Jit] public static void F(decimal[] x) { for (int i = 0; i < x.Length; i++) x[i] = 1; }
        """, new ExpectedDiagnostic("PAR1008", "decimal[]", "F", "x", "decimal[]"));

    [Fact]
    public void PAR1009_saturating_narrowing_conversion() => Expect("""
        [Jit] public static void F(double[] x, int[] n) { for (int i = 0; i < x.Length; i++) n[i] = (int)x[i] + 1; }
        """, new ExpectedDiagnostic("PAR1009", "n[i] = (int)x[i] + 1", "F", "n[i] = (int)x[i] + 1", "double", "int", "(int)double saturates at int's range in C#, which no vector conversion does; convert to long first"));

    [Fact]
    public void PAR1010_array_that_is_not_a_parameter_or_allocation() => Expect("""
        static double[] s_buffer = new double[10];
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) s_buffer[i] = x[i]; }
        """, new ExpectedDiagnostic("PAR1010", "s_buffer", "F", "s_buffer"));

    [Fact]
    public void PAR1011_transcendental_without_fast_math() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = Math.Exp(x[i]); }
        """, new ExpectedDiagnostic("PAR1011", "Math.Exp(x[i])", "F", "Math.Exp", "Exp"));

    [Fact]
    public void PAR1012_parallel_over_spans() => Expect("""
        [Jit(Parallel = true)] public static void F(Span<double> x) { for (int i = 0; i < x.Length; i++) x[i] = 1; }
        """, new ExpectedDiagnostic("PAR1012", "x", "F", "x"));

    [Fact]
    public void PAR1013_loop_variable_used_as_a_value() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = i; }
        """, new ExpectedDiagnostic("PAR1013", "i", "F", "i", "the loop variable can only index arrays"));

    [Fact]
    public void PAR1015_integer_arithmetic_in_a_project_that_checks_overflow() => Expect(RunChecked("""
        [Jit] public static void F(int[] x, int[] y, int[] r) { for (int i = 0; i < x.Length; i++) r[i] = x[i] * y[i] + 1; }
        """), new ExpectedDiagnostic("PAR1015", "x[i] * y[i] + 1", "F", "x[i] * y[i] + 1", ProjectChecks));

    [Fact]
    public void PAR1015_checked_expression_in_the_loop() => Expect("""
        [Jit] public static void F(long[] x, long[] r) { for (int i = 0; i < x.Length; i++) r[i] = checked(-x[i]) >> 1; }
        """, new ExpectedDiagnostic("PAR1015", "-x[i]", "F", "-x[i]", "inside checked(...)"));

    [Fact]
    public void PAR1015_checked_block_around_an_integer_reduction() => Expect("""
        [Jit] public static int F(int[] x) { int sum = 0; for (int i = 0; i < x.Length; i++) { checked { sum += x[i]; } } return sum; }
        """, new ExpectedDiagnostic("PAR1015", "sum += x[i]", "F", "sum += x[i]", "inside a checked block"));

    [Fact]
    public void PAR1015_checked_counter_and_narrowing_cast_but_not_the_promoted_add_under_it() => Expect(RunChecked("""
        [Jit] public static int F(byte[] x, byte[] y, byte[] r)
        {
            int count = 0;
            for (int i = 0; i < x.Length; i++)
            {
                int wide = x[i] + y[i] - 7;
                r[i] = (byte)wide;
                if (wide > 3) count++;
            }

            return count;
        }
        """),
        new ExpectedDiagnostic("PAR1015", "(byte)wide", "F", "(byte)wide", ProjectChecks),
        new ExpectedDiagnostic("PAR1015", "count++", "F", "count++", ProjectChecks));

    [Fact]
    public void PAR1015_saturating_float_to_long_cast_throws_when_checked() => Expect(RunChecked("""
        [Jit] public static void F(double[] x, long[] r) { for (int i = 0; i < x.Length; i++) r[i] = (long)(x[i] * 2); }
        """), new ExpectedDiagnostic("PAR1015", "(long)(x[i] * 2)", "F", "(long)(x[i] * 2)", ProjectChecks));

    [Fact]
    public void PAR1015_vectorize_function_in_a_project_that_checks_overflow() => Expect(RunChecked("""
        [Vectorize] public static uint F(uint a, uint b) => a - b;
        """), new ExpectedDiagnostic("PAR1015", "a - b", "F", "a - b", ProjectChecks));

    [Fact]
    public void Float_only_kernels_and_unchecked_integer_code_are_unaffected_by_overflow_checks()
    {
        var run = RunChecked("""
            [Jit(FastMath = true)] public static double Dot(double[] x, double[] y) { double s = 0; for (int i = 0; i < x.Length; i++) s += checked(x[i] * y[i]); return s; }
            [Jit] public static int Sum(int[] x) { int s = 0; for (int i = 0; i < x.Length; i++) { unchecked { s += x[i]; } } return s; }
            static double Use(double[] a, int[] b) => Dot(a, a) + Sum(b);
            """).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Equal(["Jit.K.Dot.g.cs", "Jit.K.Sum.g.cs"], run.Sources.Keys.Order());
        Assert.Contains("unchecked", run.Sources["Jit.K.Sum.g.cs"]);
    }

    [Fact]
    public void Diagnostics_are_located_in_the_syntax_tree_so_pragmas_and_editorconfig_apply()
    {
        // The compiler checks #pragma warning and per-file severities only for a location in a tree; one
        // rebuilt from a path and a span is "external" and cannot be suppressed (dotnet/roslyn#68291).
        var run = Run("""
            [Jit] public static double Sum(double[] x) { double s = 0; for (int i = 0; i < x.Length; i++) s += x[i]; return s; }
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(Microsoft.CodeAnalysis.LocationKind.SourceFile, diagnostic.Location.Kind);
        Assert.Same(run.Output.SyntaxTrees.First(), diagnostic.Location.SourceTree);
    }

    [Fact]
    public void PAR1100_float_sum_without_fast_math_is_kept_exact()
    {
        var run = Run("""
            [Jit] public static double Sum(double[] x) { double s = 0; for (int i = 0; i < x.Length; i++) s += x[i]; return s; }
            """);
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR1100", "s", "Sum", "sum", "s"));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Info, run.GeneratorDiagnostics.Single().Severity);
        Assert.Empty(run.Sources);
    }
}
