using Parallax.Generator.Jit;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Jit;

/// <summary>
/// Issue 13's shapes that stay errors, one test each: the exact id, the span it points at and the
/// reason, so that a user sees which construct and why (helpers are named, with what in their body
/// has no vector form).
/// </summary>
public class JitShapeDiagnosticTests
{
    private static GeneratorRun Run(string members, string? otherFile = null) => GeneratorHarness.Run(
        otherFile is null
            ? ["using System; using Parallax;\npublic static partial class K\n{\n" + members + "\n}\n"]
            : ["using System; using Parallax;\npublic static partial class K\n{\n" + members + "\n}\n", otherFile],
        new JitGenerator());

    private static void Expect(string members, params ExpectedDiagnostic[] expected) => Expect(Run(members), expected);

    private static void Expect(GeneratorRun run, params ExpectedDiagnostic[] expected)
    {
        DiagnosticAssert.Exactly(run, expected);
        Assert.DoesNotContain(run.Sources.Keys, k => k.StartsWith("Jit.", StringComparison.Ordinal));
    }

    [Fact]
    public void PAR1005_helper_with_statements() => Expect("""
        static double Twice(double v) { var t = v * 2; return t; }
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = Twice(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Twice(x[i])", "F", "Twice(x[i])", "the helper 'Twice' cannot be inlined: its body is a block of 2 statements; a helper must be one expression, '=> e' or '{ return e; }'"));

    [Fact]
    public void PAR1005_recursive_helper() => Expect("""
        static int Down(int v) => v <= 0 ? 0 : Down(v - 1);
        [Jit] public static void F(int[] x) { for (int i = 0; i < x.Length; i++) x[i] = Down(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Down(x[i])", "F", "Down(x[i])", "the helper 'Down' cannot be inlined: it calls itself, directly or through other helpers"));

    [Fact]
    public void PAR1005_helper_whose_body_has_no_vector_form_names_the_helper_and_the_call_inside() => Expect("""
        static double Cube(double v) => Math.Pow(v, 3);
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = 1 + Cube(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Cube(x[i])", "F", "Cube(x[i])", "the helper 'Cube' cannot be inlined: 'Math.Pow' has no vector form (Vector512/256/128 have no Pow in .NET 10, and composing it from Exp and Log would not stay within a few ulp; compute it outside the kernel, or write it with supported operations (x * x for Pow(x, 2))) (at 4:33 in 'Cube')"));

    [Fact]
    public void PAR1005_helper_of_another_assembly() => Expect("""
        [Jit] public static void F(uint[] x) { for (int i = 0; i < x.Length; i++) x[i] = (uint)System.Numerics.BitOperations.PopCount(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "System.Numerics.BitOperations.PopCount(x[i])", "F", "System.Numerics.BitOperations.PopCount(x[i])", "the helper 'PopCount' cannot be inlined: its body is not in this compilation (a method of another assembly cannot be read at build time)"));

    [Fact]
    public void PAR1005_helper_with_a_rectangular_parameter_names_its_type_as_written() => Expect("""
        static double First(double[,] m) => m[0, 0];
        [Jit] public static void F(double[] x, double[,] w) { for (int i = 0; i < x.Length; i++) x[i] = First(w); }
        """, new ExpectedDiagnostic("PAR1005", "First(w)", "F", "First(w)", "the helper 'First' cannot be inlined: parameter 'm' is of type double[,]; a helper takes numbers by value"));

    [Fact]
    public void PAR1008_outer_local_of_a_rectangular_type_names_it_as_written() => Expect("""
        [Jit] public static void F(double[,] x) { for (int i = 0; i < x.GetLength(0); i++) { double[,] t = x; for (int j = 0; j < x.GetLength(1); j++) x[i, j] = 1; } }
        """, new ExpectedDiagnostic("PAR1008", "t = x", "F", "t", "double[,]"));

    [Fact]
    public void PAR1005_helper_with_a_ref_parameter() => Expect("""
        static double Get(ref double v) => v;
        [Jit] public static void F(double[] x, double y) { for (int i = 0; i < x.Length; i++) x[i] = Get(ref y); }
        """, new ExpectedDiagnostic("PAR1005", "Get(ref y)", "F", "Get(ref y)", "the helper 'Get' cannot be inlined: parameter 'v' is ref, out or in; a helper takes numbers by value"));

    [Fact]
    public void PAR1005_helper_reading_a_field() => Expect("""
        static double Scale = 2;
        static double Scaled(double v) => v * Scale;
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = Scaled(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "Scaled(x[i])", "F", "Scaled(x[i])", "the helper 'Scaled' cannot be inlined: 'Scale' is not supported (only parameters, locals of the method and constants can be read) (at 5:39 in 'Scaled')"));

    [Fact]
    public void PAR1006_a_statement_after_the_inner_loop() => Expect("""
        [Jit] public static void F(double[,] x, double[] s) { for (int i = 0; i < x.GetLength(0); i++) { for (int j = 0; j < x.GetLength(1); j++) x[i, j] = 1; s[i] = 0; } }
        """, new ExpectedDiagnostic("PAR1006", "s", "F", "a statement after the inner loop of a nest"));

    [Fact]
    public void PAR1006_an_outer_statement_other_than_a_local() => Expect("""
        [Jit] public static void F(double[,] x) { for (int i = 0; i < x.GetLength(0); i++) { Console.WriteLine(i); for (int j = 0; j < x.GetLength(1); j++) x[i, j] = 1; } }
        """, new ExpectedDiagnostic("PAR1006", "Console", "F", "a statement other than a local declaration before the inner loop of a nest"));

    [Fact]
    public void PAR1002_a_triangular_bound() => Expect("""
        [Jit] public static void F(double[,] x) { for (int i = 0; i < x.GetLength(0); i++) for (int j = 0; j < i; j++) x[i, j] = 1; }
        """, new ExpectedDiagnostic("PAR1002", "i", "F", "'i' must be an int the nest cannot change: parameters, lengths, locals before the loops, constants (a bound that depends on an outer loop, as in a triangular loop, is not supported)"));

    [Fact]
    public void PAR1004_a_column_access_is_strided() => Expect("""
        [Jit] public static void F(double[,] x, double[,] r) { for (int i = 0; i < x.GetLength(0); i++) for (int j = 0; j < x.GetLength(1); j++) r[i, j] = x[j, i]; }
        """, new ExpectedDiagnostic("PAR1004", "j", "F", "x[j, i]", "j"));

    [Fact]
    public void PAR1003_a_one_dimensional_array_written_by_every_row() => Expect("""
        [Jit] public static void F(double[,] x, double[] r) { for (int i = 0; i < x.GetLength(0); i++) for (int j = 0; j < x.GetLength(1); j++) r[j] = x[i, j]; }
        """, new ExpectedDiagnostic("PAR1003", "r[j]", "F", "r[j]"));

    [Fact]
    public void PAR1003_a_write_at_an_offset() => Expect("""
        [Jit] public static void F(double[,] x) { for (int i = 1; i < x.GetLength(0); i++) for (int j = 0; j < x.GetLength(1); j++) x[i - 1, j] = x[i, j]; }
        """, new ExpectedDiagnostic("PAR1003", "x[i - 1, j]", "F", "x[i - 1, j]"));

    [Fact]
    public void PAR1003_reading_a_written_array_at_another_row() => Expect("""
        [Jit] public static void F(double[,] x) { for (int i = 1; i < x.GetLength(0); i++) for (int j = 0; j < x.GetLength(1); j++) x[i, j] = x[i - 1, j] * 0.5; }
        """, new ExpectedDiagnostic("PAR1003", "x[i - 1, j]", "F", "x[i - 1, j]"));

    [Fact]
    public void PAR1008_jagged_and_four_dimensional_arrays() => Expect("""
        [Jit] public static void F(double[][] x) { for (int i = 0; i < x.Length; i++) { } }
        [Jit] public static void G(double[,,,] x) { for (int i = 0; i < 3; i++) { } }
        """,
        new ExpectedDiagnostic("PAR1008", "double[][]", "F", "x", "double[][]"),
        new ExpectedDiagnostic("PAR1008", "double[,,,]", "G", "x", "double[,,,]"));

    [Fact]
    public void PAR1013_GetLength_of_a_computed_dimension_or_inside_the_loop() => Expect("""
        [Jit] public static void F(double[,] x, int d) { double z = x.GetLength(d); for (int i = 0; i < x.GetLength(0); i++) for (int j = 0; j < x.GetLength(1); j++) x[i, j] = x.GetLength(1); }
        """,
        new ExpectedDiagnostic("PAR1013", "x.GetLength(d)", "F", "x.GetLength(d)", "GetLength needs a rectangular array parameter or result and a constant dimension within its rank"),
        new ExpectedDiagnostic("PAR1013", "x.GetLength(1)", "F", "x.GetLength(1)", "a length can only bound the loops; compute it before them"));

    [Fact]
    public void PAR1006_an_array_element_assigned_inside_a_while_loop() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { while (x[i] > 1) x[i] = x[i] / 2; } }
        """, new ExpectedDiagnostic("PAR1006", "x[i] = x[i] / 2", "F", "an array element assigned inside a while loop (assign a local there and store it after the loop)"));

    [Fact]
    public void PAR1006_a_for_loop_inside_the_vectorized_loop() => Expect("""
        [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) { if (x[i] > 0) { for (int j = 0; j < 3; j++) x[i] += 1; } } }
        """, new ExpectedDiagnostic("PAR1006", "for", "F", "a for loop inside the vectorized loop (nest loops directly: each loop's body the next loop, after locals)"));

    [Fact]
    public void PAR1007_return_inside_a_while_loop_and_break_outside_one() => Expect("""
        [Jit] public static void F(int[] x, int[] r)
        {
            for (int i = 0; i < x.Length; i++)
            {
                int v = x[i];
                while (v > 1) { if (v > 100) return; v /= 2; }
                if (v < 0) break;
                r[i] = v;
            }
        }
        """,
        new ExpectedDiagnostic("PAR1007", "return;", "F", "return"),
        new ExpectedDiagnostic("PAR1007", "break;", "F", "break"));

    [Fact]
    public void PAR1005_tanh_and_atan2_name_why() => Expect("""
        [Jit(FastMath = true)] public static void F(double[] x, double[] y) { for (int i = 0; i < x.Length; i++) { x[i] = Math.Tanh(x[i]); y[i] = Math.Atan2(y[i], 2.0); } }
        """,
        new ExpectedDiagnostic("PAR1005", "Math.Tanh(x[i])", "F", "Math.Tanh", "Vector512/256/128 have no Tanh in .NET 10, and composing it from Exp and Log would not stay within a few ulp; compute it outside the kernel, or write it with supported operations (x * x for Pow(x, 2))"),
        new ExpectedDiagnostic("PAR1005", "Math.Atan2(y[i], 2.0)", "F", "Math.Atan2", "Vector512/256/128 have no Atan2 in .NET 10, and composing it from Exp and Log would not stay within a few ulp; compute it outside the kernel, or write it with supported operations (x * x for Pow(x, 2))"));
}
