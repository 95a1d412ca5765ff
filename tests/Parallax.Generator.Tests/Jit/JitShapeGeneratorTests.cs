using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.Generator.Jit;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Jit;

/// <summary>
/// Issue 13's kernels through the generator: golden snapshots of the blur and Mandelbrot, every call
/// redirected, the generated code run against the scalar body, and the pipeline caching what an edit
/// does not change (a helper in another file is part of the kernel it is inlined into).
/// </summary>
public class JitShapeGeneratorTests
{
    private const string IssueKernels = """
        using Parallax;
        namespace Demo;
        public static partial class Kernels
        {
            [Jit]
            public static void Blur(double[,] src, double[,] dst)
            {
                int n = src.GetLength(0), m = src.GetLength(1);
                for (int i = 1; i < n - 1; i++)
                    for (int j = 1; j < m - 1; j++)
                        dst[i, j] = (src[i - 1, j] + src[i + 1, j] + src[i, j - 1] + src[i, j + 1]) * 0.25;
            }

            [Jit(Parallel = true)]
            public static void Mandelbrot(double x0, double y0, double dx, double dy, int maxIter, int[,] counts)
            {
                for (int row = 0; row < counts.GetLength(0); row++)
                    for (int col = 0; col < counts.GetLength(1); col++)
                    {
                        double cr = x0 + col * dx, ci = y0 + row * dy, zr = 0, zi = 0;
                        int k = 0;
                        while (k < maxIter && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
                        counts[row, col] = k;
                    }
            }
        }
        public static class Caller
        {
            public static void Blur(double[,] a, double[,] b) => Kernels.Blur(a, b);
            public static void BlurTwice(double[,] a, double[,] b) { Kernels.Blur(a, b); Kernels.Blur(b, a); }
            public static void Mandelbrot(int[,] counts) => Kernels.Mandelbrot(-2.0, -1.2, 3.0 / counts.GetLength(1), 2.4 / counts.GetLength(0), 100, counts);
        }
        """;

    [Fact]
    public void Issue_13_blur_and_mandelbrot()
    {
        var run = GeneratorHarness.Run(IssueKernels, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Snapshot.Verify(run);
    }

    private const string OtherShapes = """
        using System;
        using Parallax;
        namespace Demo;
        public static partial class Shapes
        {
            [Jit]
            public static void Laplace3D(double[,,] a, double[,,] r)
            {
                int l = a.GetLength(0), n = a.GetLength(1), m = a.GetLength(2);
                for (int p = 1; p < l - 1; p++)
                    for (int i = 1; i < n - 1; i++)
                        for (int j = 1; j < m - 1; j++)
                            r[p, i, j] = a[p - 1, i, j] + a[p + 1, i, j] + a[p, i - 1, j] + a[p, i + 1, j] + a[p, i, j - 1] + a[p, i, j + 1] - 6 * a[p, i, j];
            }

            [Jit(Parallel = true)]
            public static int CountAbove(double[,] x, double t)
            {
                int count = 0;
                for (int i = 0; i < x.GetLength(0); i++)
                    for (int j = 0; j < x.GetLength(1); j++)
                        if (x[i, j] > t) count++;
                return count;
            }

            [Jit]
            public static void SmallestFactor(int[] x, int[] factor)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    int v = x[i], d = 2, f = v;
                    while (d <= 46340 && d * d <= v)
                    {
                        if (v % d == 0) { f = d; break; }
                        d++;
                    }
                    factor[i] = f;
                }
            }

            [Jit]
            public static void Halvings(double[] x, int[] count)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    double v = x[i];
                    int k = 0;
                    do { v *= 0.5; k++; } while (v > 1.0 && k < 100);
                    count[i] = k;
                }
            }

            [Jit]
            public static void Norms(double[] x, double[] y, double[] r)
            {
                for (int i = 0; i < x.Length; i++) r[i] = Hypot(x[i], y[i]) + Square(x[i] - 1);
            }

            static double Square(double v) => v * v;
            static double Hypot(double a, double b) => Math.Sqrt(Square(a) + Square(b));
        }
        public static class Caller
        {
            public static void Run(double[,,] a, double[,,] r, double[,] x, int[] n, int[] f, double[] v, int[] c, double[] w)
            {
                Shapes.Laplace3D(a, r);
                Shapes.CountAbove(x, 0.5);
                Shapes.SmallestFactor(n, f);
                Shapes.Halvings(v, c);
                Shapes.Norms(v, v, w);
            }
        }
        """;

    /// <summary>The other shapes of issue 13 as generated: a 3-D stencil, a conditional count over rows split
    /// across cores, a while loop with break and integer %, a do loop, and nested helpers inlined.</summary>
    [Fact]
    public void Issue_13_stencil_3d_count_break_do_and_helpers()
    {
        var run = GeneratorHarness.Run(OtherShapes, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        Assert.Equal(5, run.Sources.Keys.Count(k => k.StartsWith("Jit.Demo.Shapes.", StringComparison.Ordinal)));
        Assert.All(run.Sources.Where(s => s.Key.StartsWith("Jit.Demo.Shapes.", StringComparison.Ordinal)),
            s => Assert.Single(s.Value.Split('\n'), l => l.Contains("[global::System.Runtime.CompilerServices.InterceptsLocation(", StringComparison.Ordinal)));
        Snapshot.Verify(run);
    }

    [Fact]
    public void Every_call_is_redirected_and_the_kernels_give_the_scalar_bodies_bits()
    {
        var run = GeneratorHarness.Run(IssueKernels, new JitGenerator()).AssertCompiles();
        int Intercepts(string hint) => run.Sources[hint].Split('\n').Count(l => l.Contains("[global::System.Runtime.CompilerServices.InterceptsLocation(", StringComparison.Ordinal));
        Assert.Equal(3, Intercepts("Jit.Demo.Kernels.Blur.g.cs"));
        Assert.Equal(1, Intercepts("Jit.Demo.Kernels.Mandelbrot.g.cs"));

        var assembly = run.Load();
        var caller = assembly.GetType("Demo.Caller")!;
        var kernels = assembly.GetType("Demo.Kernels")!;
        var counts = new int[37, 53];
        var expected = new int[37, 53];
        caller.GetMethod("Mandelbrot")!.Invoke(null, [counts]);
        // The method itself, through reflection, is not intercepted: it runs the scalar body.
        kernels.GetMethod("Mandelbrot")!.Invoke(null, [-2.0, -1.2, 3.0 / 53, 2.4 / 37, 100, expected]);
        Assert.Equal(expected.Cast<int>(), counts.Cast<int>());
        Assert.Contains(counts.Cast<int>(), k => k == 100);
        Assert.Contains(counts.Cast<int>(), k => k < 5);

        var random = new Random(3);
        var src = new double[19, 23];
        for (int i = 0; i < 19; i++)
            for (int j = 0; j < 23; j++)
                src[i, j] = random.NextDouble();
        var dst = new double[19, 23];
        var reference = new double[19, 23];
        caller.GetMethod("Blur")!.Invoke(null, [src, dst]);
        kernels.GetMethod("Blur")!.Invoke(null, [src, reference]);
        Assert.Equal(reference.Cast<double>(), dst.Cast<double>());
    }

    [Fact]
    public void A_nest_kernel_caches_across_an_unrelated_edit()
    {
        // Without the callers: an edit anywhere in a file changes its call sites' interceptable locations.
        Incrementality.AssertCachedAfterUnrelatedEdit(
            new JitGenerator(),
            IssueKernels.Substring(0, IssueKernels.IndexOf("public static class Caller", StringComparison.Ordinal)),
            "// a comment that changes nothing",
            JitGenerator.ParseStep,
            JitGenerator.SpecsStep);
    }

    private const string ParallelNames = """
        using Parallax;
        namespace Demo;
        public static partial class Named
        {
            [Jit(Parallel = true)]
            public static long Flat(long[] x, long start, long count, long chunk, long[] r)
            {
                long part = 0;
                for (int i = 0; i < x.Length; i++) { r[i] = x[i] * count + start - chunk; part += x[i]; }
                return part;
            }

            [Jit(Parallel = true)]
            public static int Whole(double[,] x, double start, double count)
            {
                int part = 0;
                for (int i = 0; i < x.GetLength(0); i++)
                    for (int j = 0; j < x.GetLength(1); j++)
                        if (x[i, j] > start && x[i, j] < count) part++;
                return part;
            }

            [Jit(Parallel = true)]
            public static long Rows(long[,] x, long first, long rowCount, long chunk, long start, long count)
            {
                long part = 0;
                int n = x.GetLength(0), m = x.GetLength(1);
                for (int i = 1; i < n - 1; i++)
                    for (int j = 1; j < m - 1; j++)
                        part += x[i, j] * first + rowCount - chunk + start * count;
                return part;
            }
        }
        public static class Caller
        {
            public static long Flat(long[] x, long[] r) => Named.Flat(x, 5, 7, 11, r);
            public static int Whole(double[,] x) => Named.Whole(x, 0.25, 0.75);
            public static long Rows(long[,] x) => Named.Rows(x, 3, 5, 7, 11, 13);
        }
        """;

    /// <summary>
    /// Parameters and accumulators named like the names a Parallel entry uses for its chunks (start,
    /// count, chunk, part, first, rowCount): the entry must not capture them by another meaning.
    /// </summary>
    [Fact]
    public void Parallel_entries_keep_the_users_names_apart_from_their_own()
    {
        var run = GeneratorHarness.Run(ParallelNames, new JitGenerator()).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        var assembly = run.Load();
        var caller = assembly.GetType("Demo.Caller")!;
        var named = assembly.GetType("Demo.Named")!;

        var x = Enumerable.Range(0, 1001).Select(v => (long)(v * 37 % 101 - 50)).ToArray();
        var r = new long[x.Length];
        var expectedR = new long[x.Length];
        Assert.Equal(named.GetMethod("Flat")!.Invoke(null, [x, 5L, 7L, 11L, expectedR]), caller.GetMethod("Flat")!.Invoke(null, [x, r]));
        Assert.Equal(expectedR, r);

        var random = new Random(5);
        var d = new double[23, 41];
        var l = new long[23, 41];
        for (int i = 0; i < 23; i++)
            for (int j = 0; j < 41; j++)
            {
                d[i, j] = random.NextDouble();
                l[i, j] = random.Next(-1000, 1000);
            }

        Assert.Equal(named.GetMethod("Whole")!.Invoke(null, [d, 0.25, 0.75]), caller.GetMethod("Whole")!.Invoke(null, [d]));
        Assert.Equal(named.GetMethod("Rows")!.Invoke(null, [l, 3L, 5L, 7L, 11L, 13L]), caller.GetMethod("Rows")!.Invoke(null, [l]));
    }

    private const string ConditionWrites = """
        using Parallax;
        namespace Demo;
        public static partial class Probe
        {
            [Jit]
            public static void Flip(double[] x, double[] r)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    double v = x[i];
                    if (v > 0) { v = -v; r[i] = v; }
                }
            }

            [Jit]
            public static void StopAt(int[] x, int[] r)
            {
                for (int i = 0; i < x.Length; i++)
                {
                    int v = x[i], k = 0;
                    while (k < 20)
                    {
                        if (v > 3) { v = 0; break; }
                        v++;
                        k++;
                    }
                    r[i] = v * 100 + k;
                }
            }
        }
        public static class Caller
        {
            public static void Flip(double[] x, double[] r) => Probe.Flip(x, r);
            public static void StopAt(int[] x, int[] r) => Probe.StopAt(x, r);
        }
        """;

    /// <summary>An if whose body writes a variable its own condition reads: the condition holds for the
    /// whole body as it held when the if was entered, as in the scalar loop.</summary>
    [Fact]
    public void An_if_that_writes_what_its_condition_reads_masks_its_whole_body_by_the_value_on_entry()
    {
        var run = GeneratorHarness.Run(ConditionWrites, new JitGenerator()).AssertCompiles();
        var assembly = run.Load();
        var caller = assembly.GetType("Demo.Caller")!;
        var probe = assembly.GetType("Demo.Probe")!;
        var x = Enumerable.Range(0, 77).Select(v => (double)(v % 7 - 3)).ToArray();
        var r = new double[x.Length];
        var expected = new double[x.Length];
        caller.GetMethod("Flip")!.Invoke(null, [x, r]);
        probe.GetMethod("Flip")!.Invoke(null, [x, expected]);
        Assert.Equal(expected, r);

        var n = Enumerable.Range(0, 77).Select(v => v % 9 - 4).ToArray();
        var s = new int[n.Length];
        var expectedS = new int[n.Length];
        caller.GetMethod("StopAt")!.Invoke(null, [n, s]);
        probe.GetMethod("StopAt")!.Invoke(null, [n, expectedS]);
        Assert.Equal(expectedS, s);
    }

    private const string HelperUser = """
        using Parallax;
        public static partial class K
        {
            [Jit] public static void F(double[] x, double[] r) { for (int i = 0; i < x.Length; i++) r[i] = Helpers.Sq(x[i]) + 1; }
        }
        """;

    private const string HelperFile = """
        public static class Helpers
        {
            public static double Sq(double v) => v * v;
        }
        """;

    [Fact]
    public void A_helper_in_another_file_is_part_of_the_kernel_and_nothing_else_regenerates_it()
    {
        var compilation = GeneratorHarness.Compile(HelperUser, HelperFile);
        var driver = GeneratorHarness.CreateDriver(new JitGenerator()).RunGenerators(compilation);
        var helperTree = compilation.SyntaxTrees.Single(t => t.FilePath.EndsWith("File1.cs", StringComparison.Ordinal));
        GeneratorDriverRunResult Edit(string helperText) =>
            driver.RunGenerators(compilation.ReplaceSyntaxTree(helperTree, CSharpSyntaxTree.ParseText(helperText, GeneratorHarness.ParseOptions, path: helperTree.FilePath))).GetRunResult();

        // A comment in the helper's file: the same spec, no output regenerated.
        var unrelated = Edit(HelperFile + "\n// a comment").Results.Single();
        Assert.All(unrelated.TrackedSteps[JitGenerator.SpecsStep].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"spec step ran again: {o.Reason}"));
        Assert.All(unrelated.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output was regenerated: {o.Reason}"));

        // The helper's body changes: the kernel it is inlined into changes with it.
        var changed = Edit(HelperFile.Replace("v * v", "v * v * v", StringComparison.Ordinal)).Results.Single();
        Assert.Contains(changed.TrackedSteps[JitGenerator.SpecsStep].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        string ScalarLine(GeneratorRunResult result) => result.GeneratedSources.Single().SourceText.ToString().Split('\n').Single(l => l.Contains("Unsafe.Add(ref r, i) =", StringComparison.Ordinal));
        Assert.Equal(2, ScalarLine(driver.GetRunResult().Results.Single()).Split("Unsafe.Add(ref x, i)").Length - 1);
        Assert.Equal(3, ScalarLine(changed).Split("Unsafe.Add(ref x, i)").Length - 1);
    }
}
