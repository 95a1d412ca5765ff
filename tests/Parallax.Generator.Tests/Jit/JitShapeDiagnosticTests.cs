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
        """, new ExpectedDiagnostic("PAR1005", "Cube(x[i])", "F", "Cube(x[i])", "the helper 'Cube' cannot be inlined: 'Math.Pow' has no vector form (only Math/MathF Abs, Min, Max, Sqrt, FusedMultiplyAdd, Floor, Ceiling, Round, Truncate, Clamp, Exp, Log, Sin and Cos are vectorized) (at 4:33 in 'Cube')"));

    [Fact]
    public void PAR1005_helper_of_another_assembly() => Expect("""
        [Jit] public static void F(uint[] x) { for (int i = 0; i < x.Length; i++) x[i] = (uint)System.Numerics.BitOperations.PopCount(x[i]); }
        """, new ExpectedDiagnostic("PAR1005", "System.Numerics.BitOperations.PopCount(x[i])", "F", "System.Numerics.BitOperations.PopCount(x[i])", "the helper 'PopCount' cannot be inlined: its body is not in this compilation (a method of another assembly cannot be read at build time)"));

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
}
