using Parallax.Generator.Jit;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Jit;

public class JitGeneratorTests
{
    private const string ArrSumSource = """
        using Parallax;
        namespace Demo;
        public static partial class Kernels
        {
            [Jit]
            public static double[] ArrSum(double[] x, double[] y)
            {
                var r = new double[x.Length];
                for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
                return r;
            }
        }
        public static class Caller
        {
            public static double[] Run(double[] a, double[] b) => Kernels.ArrSum(a, b);
            public static System.Func<double[], double[], double[]> Lambda => (x, y) => Kernels.ArrSum(x, y);

            // The scalar body, through reflection, which no build-time check sees.
            public static System.Func<double[], double[], double[]> Reference =>
                typeof(Kernels).GetMethod(nameof(Kernels.ArrSum))!.CreateDelegate<System.Func<double[], double[], double[]>>();
        }
        """;

    [Fact]
    public void ArrSum_kernel_and_interceptor()
    {
        var run = GeneratorHarness.Run(ArrSumSource, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Direct_calls_and_calls_in_a_lambda_are_intercepted_and_the_kernel_runs()
    {
        var run = GeneratorHarness.Run(ArrSumSource, new JitGenerator()).AssertCompiles();
        Assert.Equal(2, run.Sources["Jit.Demo.Kernels.ArrSum.g.cs"].Split('\n').Count(l => l.Contains("[global::System.Runtime.CompilerServices.InterceptsLocation(")));
        var caller = run.Load().GetType("Demo.Caller")!;
        var x = new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
        var y = x.Select(v => v * 10).ToArray();
        var result = (double[])caller.GetMethod("Run")!.Invoke(null, [x, y])!;
        Assert.Equal(x.Zip(y, (a, b) => a + b), result);

        // The kernel checks lengths up front, the scalar body does not: both the direct call and the
        // delegate made from a lambda ran the kernel; the body reached through reflection did not.
        var mismatch = Assert.Throws<System.Reflection.TargetInvocationException>(() => caller.GetMethod("Run")!.Invoke(null, [x, new double[12]]));
        Assert.IsType<ArgumentException>(mismatch.InnerException);
        var lambda = (Func<double[], double[], double[]>)caller.GetProperty("Lambda")!.GetValue(null)!;
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => lambda(x, new double[12])).ParamName);
        var reference = (Func<double[], double[], double[]>)caller.GetProperty("Reference")!.GetValue(null)!;
        Assert.Equal(11, reference(x, new double[12]).Length);
    }

    [Fact]
    public void A_method_group_delegate_or_function_pointer_of_a_kernel_is_PAR1016()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Parallax;
            public static unsafe partial class K
            {
                [Jit] public static void Neg(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; }

                static void Use(double[] a)
                {
                    Action<double[]> f = K.Neg;
                    var g = new Action<double[]>(Neg);
                    delegate*<double[], void> p = &Neg;
                    Array.ForEach(new[] { a }, Neg);
                    Action<double[]> ok = v => Neg(v);
                    string name = nameof(Neg);
                    Neg(a);
                }
            }
            """, new JitGenerator());
        DiagnosticAssert.Exactly(run,
            new ExpectedDiagnostic("PAR1016", "K.Neg", "Neg"),
            new ExpectedDiagnostic("PAR1016", "Neg", "Neg"),
            new ExpectedDiagnostic("PAR1016", "Neg", "Neg"),
            new ExpectedDiagnostic("PAR1016", "Neg", "Neg"));
        Assert.Equal(2, run.Sources["Jit.K.Neg.g.cs"].Split('\n').Count(l => l.Contains("InterceptsLocation(")));
    }

    [Fact]
    public void A_call_to_a_kernel_of_another_assembly_is_PAR1016()
    {
        // The library is built with the generator (its own calls get the kernel); the application
        // references it as metadata, where no interceptor can reach the library's kernel.
        var library = GeneratorHarness.Run("""
            using Parallax;
            namespace Lib;
            public static partial class K
            {
                [Jit] public static void Neg(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; }
                public static void NegViaLibrary(double[] x) => Neg(x);
            }
            """, new JitGenerator()).AssertCompiles();
        using var image = new MemoryStream();
        Assert.True(library.Output.Emit(image).Success);
        // K.Neg(x) names the library's type by a plain name: the receiver filter must know the library's types.
        var app = GeneratorHarness.Compile("""
            using Lib;
            public static class App
            {
                public static void Run(double[] x)
                {
                    Lib.K.Neg(x);
                    Lib.K.NegViaLibrary(x);
                    K.Neg(x);
                }
            }
            """).AddReferences(Microsoft.CodeAnalysis.MetadataReference.CreateFromImage(image.ToArray()));
        var run = GeneratorHarness.Run(app, new JitGenerator());
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR1016", "Lib.K.Neg(x)", "Neg"), new ExpectedDiagnostic("PAR1016", "K.Neg(x)", "Neg"));
        Assert.All(run.AllDiagnostics.Where(d => d.Id == "PAR1016"), d => Assert.Contains("UserAssembly", d.GetMessage(), StringComparison.Ordinal));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void The_kernel_needs_no_unsafe_code_and_streams_large_outputs_either_way()
    {
        // Pinning and non-temporal stores live in the runtime's JitLoop, so a project without
        // AllowUnsafeBlocks gets the same kernel as one with it.
        var compilation = GeneratorHarness.Compile(ArrSumSource);
        var run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithAllowUnsafe(false)), new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        var kernel = run.Sources["Jit.Demo.Kernels.ArrSum.g.cs"];
        Assert.DoesNotContain("fixed (", kernel);
        Assert.DoesNotContain("unsafe", kernel);
        Assert.Contains("nonTemporal: true", kernel);
        Assert.Equal(kernel, GeneratorHarness.Run(ArrSumSource, new JitGenerator()).Sources["Jit.Demo.Kernels.ArrSum.g.cs"]);

        // And it runs: lengths past the non-temporal threshold (32K doubles), where it streams, and
        // every edge of a vector, against the scalar body.
        var caller = run.Load().GetType("Demo.Caller")!;
        var reference = (Func<double[], double[], double[]>)caller.GetProperty("Reference")!.GetValue(null)!;
        var random = new Random(5);
        foreach (int n in Enumerable.Range(0, 70).Concat([32_767, 32_768, 100_003]))
        {
            var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 1e10).ToArray();
            Assert.Equal(reference(x, y), (double[])caller.GetMethod("Run")!.Invoke(null, [x, y])!);
        }
    }

    [Fact]
    public void In_a_project_that_checks_overflow_an_unchecked_loop_runs_unchecked_in_the_kernel_too()
    {
        // The lanes wrap whatever the context; the scalar remainder and the combination of partial
        // sums are C#, which this compilation would check, so the kernel must say unchecked itself.
        var compilation = GeneratorHarness.Compile("""
            using Parallax;
            public static class K
            {
                [Jit]
                public static int Sum(int[] x)
                {
                    int s = int.MaxValue;
                    for (int i = 0; i < x.Length; i++) { unchecked { s += x[i]; } }
                    return s;
                }

                public static int Run(int[] x) => Sum(x);
                public static System.Func<int[], int> Reference => typeof(K).GetMethod("Sum")!.CreateDelegate<System.Func<int[], int>>();
            }
            """);
        var run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithOverflowChecks(true)), new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        var type = run.Load().GetType("K")!;
        var reference = (Func<int[], int>)type.GetProperty("Reference")!.GetValue(null)!;
        foreach (int n in new[] { 1, 7, 37, 1000 })
        {
            var x = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? int.MinValue + i : int.MaxValue - i).ToArray();
            Assert.Equal(reference(x), (int)type.GetMethod("Run")!.Invoke(null, [x])!);
        }
    }

    [Fact]
    public void A_result_written_only_under_a_mask_is_allocated_zeroed()
    {
        // AllocateOutput leaves memory uninitialized, which is right only when every element is written.
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static class K
            {
                [Jit] public static double[] Full(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = x[i] > 0 ? x[i] : 0; return r; }
                [Jit] public static double[] Masked(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) { if (x[i] > 0) r[i] = x[i]; } return r; }
                [Jit] public static float[] FromOne(float[] x) { var r = new float[x.Length]; for (int i = 1; i < x.Length; i++) r[i] = x[i]; return r; }
                static void Use(double[] a, float[] b) { Full(a); Masked(a); FromOne(b); }
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Contains("double[] r = global::Parallax.CompilerServices.JitMemory.AllocateOutput<double>(length);", run.Sources["Jit.K.Full.g.cs"]);
        Assert.Contains("double[] r = new double[length];", run.Sources["Jit.K.Masked.g.cs"]);
        Assert.DoesNotContain("AllocateOutput", run.Sources["Jit.K.Masked.g.cs"]);
        Assert.Contains("float[] r = new float[length];", run.Sources["Jit.K.FromOne.g.cs"]);
    }

    [Fact]
    public void Same_type_and_method_names_in_two_namespaces_do_not_collide()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            namespace A { public static class K { [Jit] public static void Neg(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; } } }
            namespace B { public static class K { [Jit] public static void Neg(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; } } }
            public static class Use { public static void Run(double[] x) { A.K.Neg(x); B.K.Neg(x); } }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Equal(["Jit.A.K.Neg.g.cs", "Jit.B.K.Neg.g.cs"], run.Sources.Keys.Order());
    }

    [Fact]
    public void Reduction_with_fast_math_and_parallel()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static partial class Kernels
            {
                [Jit(FastMath = true, Parallel = true)]
                public static double Dot(double[] x, double[] y)
                {
                    double acc = 0;
                    for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
                    return acc;
                }

                [Jit]
                public static int CountPositive(System.ReadOnlySpan<float> x)
                {
                    int count = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] > 0) count++;
                    }

                    return count;
                }

                static double Use(double[] a, float[] b) => Dot(a, a) + CountPositive(b);
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Byte_kernel_narrows_promoted_arithmetic_into_byte_lanes()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static partial class Kernels
            {
                [Jit]
                public static void Blend(byte[] x, byte[] y, byte[] r, byte k)
                {
                    for (int i = 0; i < x.Length; i++) r[i] = x[i] > y[i] ? (byte)(x[i] - y[i] + k) : (byte)(~x[i] & 0x7F);
                }

                [Jit]
                public static ushort Total(System.ReadOnlySpan<ushort> x)
                {
                    ushort sum = 0;
                    for (int i = 0; i < x.Length; i++) sum = (ushort)(sum + x[i] * 3);
                    return sum;
                }

                static int Use(byte[] a, ushort[] b) { Blend(a, a, a, 1); return Total(b); }
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Mixed_widths_step_in_the_narrowest_lanes()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static partial class Kernels
            {
                [Jit]
                public static void Scale(byte[] pixels, float[] gain, int[] r)
                {
                    for (int i = 0; i < pixels.Length; i++) r[i] = gain[i] > 1 ? pixels[i] * 2 : pixels[i];
                }

                [Jit]
                public static long Weighted(float[] x, double[] w)
                {
                    long count = 0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        if (x[i] * w[i] > 0.5) count++;
                    }

                    return count;
                }

                static long Use(byte[] a, float[] b, int[] c, double[] d) { Scale(a, b, c); return Weighted(b, d); }
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Offsets_and_a_later_start_become_views_in_the_entry()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static partial class Kernels
            {
                [Jit]
                public static double[] Gradient(double[] x)
                {
                    var g = new double[x.Length];
                    for (int i = 1; i < x.Length; i++) g[i] = x[i] - x[i - 1];
                    return g;
                }

                [Jit]
                public static void Stencil(System.ReadOnlySpan<float> x, System.Span<float> r)
                {
                    for (int i = 0; i < r.Length; i++) r[i] = x[i] + x[i + 2];
                }

                static void Use(double[] a, float[] b, float[] c) { Gradient(a); Stencil(b, c); }
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Vectorize_generates_a_span_overload()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            namespace Demo;
            public static partial class Functions
            {
                [Vectorize]
                public static double Hypot(double x, double y) => System.Math.Sqrt(x * x + y * y);
            }
            """, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    [Fact]
    public void Vectorize_in_a_non_partial_type_reports_PAR0001_and_emits_nothing()
    {
        var run = GeneratorHarness.Run("""
            using Parallax;
            public static class Functions
            {
                [Vectorize]
                public static double Twice(double x) => 2 * x;
            }
            """, new JitGenerator());
        DiagnosticAssert.Exactly(run, new ExpectedDiagnostic("PAR0001", "Functions", "Twice", "Vectorize", "Functions"));
        Assert.Empty(run.Sources);
    }

    /// <summary>
    /// An interceptor's location data hashes its file, so an edit to the caller's file regenerates
    /// the interceptor by design. An edit anywhere else must reuse everything.
    /// </summary>
    [Fact]
    public void Unrelated_edit_in_another_file_is_cached()
    {
        var compilation = GeneratorHarness.Compile(ArrSumSource, "class Unrelated { }");
        var driver = GeneratorHarness.CreateDriver(new JitGenerator()).RunGenerators(compilation);
        var other = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(other, Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            "class Unrelated { int X() => 42; }", GeneratorHarness.ParseOptions, path: other.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        foreach (var step in new[] { JitGenerator.ParseStep, JitGenerator.SpecsStep, JitGenerator.CallSitesStep, JitGenerator.KernelsStep, JitGenerator.IndirectUsesStep })
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step '{step}' is not tracked");
            Assert.All(result.TrackedSteps[step].SelectMany(s => s.Outputs), o =>
                Assert.True(o.Reason is Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached or Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged, $"step '{step}' ran again: {o.Reason}"));
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o =>
            Assert.True(o.Reason is Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached or Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged, $"an output was regenerated: {o.Reason}"));
    }

    [Fact]
    public void Edit_after_the_method_in_the_same_file_reuses_the_spec()
    {
        Incrementality.AssertCachedAfterUnrelatedEdit(
            new JitGenerator(),
            "using Parallax;\npublic static partial class K { [Jit] public static void F(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; } }",
            "// a comment that changes nothing",
            JitGenerator.ParseStep,
            JitGenerator.SpecsStep);
    }

    [Fact]
    public void Comments_and_whitespace_inside_the_loop_keep_the_model_and_regenerate_nothing()
    {
        // The kernel quotes the loop without comments and with normalized whitespace, so such edits
        // leave the spec equal; an edit to the model itself must regenerate (checked last).
        const string Source = """
            using Parallax;
            public static partial class K
            {
                [Jit]
                public static void F(double[] x, double[] r)
                {
                    for (int i = 0; i < x.Length; i++) r[i] = -x[i] * 2;
                }
            }
            """;
        var run = GeneratorHarness.Run(Source, new JitGenerator());
        Assert.Contains("///     r[i] = -x[i] * 2;", run.Sources.Single().Value);

        Incrementality.AssertCachedAfterEdit(new JitGenerator(), Source, Source.Replace("r[i] = -x[i] * 2;", "r[i]  =  -x[i] /* sign */ *   2; // doubled", StringComparison.Ordinal), JitGenerator.ParseStep, JitGenerator.SpecsStep);

        // The check is not vacuous: a change to the loop itself gives a new spec.
        var compilation = GeneratorHarness.Compile(Source);
        var driver = GeneratorHarness.CreateDriver(new JitGenerator()).RunGenerators(compilation);
        var changed = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
            Source.Replace("* 2;", "* 3;", StringComparison.Ordinal), GeneratorHarness.ParseOptions, path: compilation.SyntaxTrees.Single().FilePath));
        var specs = driver.RunGenerators(changed).GetRunResult().Results.Single().TrackedSteps[JitGenerator.SpecsStep].SelectMany(s => s.Outputs);
        Assert.Contains(specs, o => o.Reason == Microsoft.CodeAnalysis.IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Blank_lines_above_a_method_with_an_error_move_its_diagnostic_and_regenerate_no_source()
    {
        const string Kernels = """
            using Parallax;
            public static partial class K
            {
                [Jit] public static void Good(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = -x[i]; }

                [Jit] public static void Bad(double[] x) { for (int i = 0; i < x.Length; i++) x[i] = System.Math.Pow(x[i], 3); }
            }
            """;
        // The call is in another file: an interceptor's location hashes its caller's file, by design.
        var compilation = GeneratorHarness.Compile(Kernels, "public static class Use { public static void Run(double[] x) => K.Good(x); }");
        var driver = GeneratorHarness.CreateDriver(new JitGenerator()).RunGenerators(compilation);
        var first = Assert.Single(driver.GetRunResult().Diagnostics);
        var tree = compilation.SyntaxTrees.First();
        var moved = compilation.ReplaceSyntaxTree(tree, Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("\n\n\n" + Kernels, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(moved).GetRunResult();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PAR1005", diagnostic.Id);
        Assert.Equal(first.Location.GetLineSpan().StartLinePosition.Line + 3, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        var run = result.Results.Single();
        foreach (var step in new[] { JitGenerator.SpecsStep, JitGenerator.CallSitesStep, JitGenerator.KernelsStep })
        {
            Assert.All(run.TrackedSteps[step].SelectMany(s => s.Outputs), o =>
                Assert.True(o.Reason is Microsoft.CodeAnalysis.IncrementalStepRunReason.Cached or Microsoft.CodeAnalysis.IncrementalStepRunReason.Unchanged, $"step '{step}' ran again: {o.Reason}"));
        }

        // The kernel's source is the very text of the first run: its output did not run again.
        Assert.Same(driver.GetRunResult().Results.Single().GeneratedSources.Single().SourceText, run.GeneratedSources.Single().SourceText);
    }
}
