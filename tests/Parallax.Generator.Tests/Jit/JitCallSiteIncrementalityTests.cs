using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.Generator.Jit;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Jit;

/// <summary>
/// The [Jit] call-site steps: every invocation is matched by name (syntax only) against the kernels'
/// names, and only a call named like a kernel is bound. What the IDE does per keystroke is what these
/// check: an edit elsewhere binds nothing new and regenerates nothing; a new call, or a new kernel with
/// the name of an existing call, is found.
/// </summary>
public class JitCallSiteIncrementalityTests
{
    private const string Kernels = """
        using Parallax;
        namespace Demo;
        public static partial class K
        {
            [Jit] public static double[] Twice(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = 2 * x[i]; return r; }
        }
        """;

    private const string Caller = """
        namespace Demo;
        public static class Caller
        {
            public static double[] Run(double[] x, int a, int b) => K.Twice(System.Math.Max(a, b) > 0 ? x : K.Twice(x));
        }
        """;

    private const string Other = """
        namespace Demo;
        public static class Other
        {
            public static double[] Twice(double[] x) => x;
            public static string Busy(int a, int b) => System.Math.Max(a, b).ToString() + Twice(new double[1]).Length.ToString();
        }
        """;

    [Fact]
    public void Only_calls_named_like_a_kernel_are_bound_and_only_calls_of_the_kernel_are_intercepted()
    {
        var run = GeneratorHarness.Run([Kernels, Caller, Other], new JitGenerator()).AssertCompiles();
        var steps = run.Result.Results.Single().TrackedSteps;
        var candidates = steps[JitGenerator.CandidatesStep].SelectMany(s => s.Outputs).ToList();
        var callSites = (System.Collections.IEnumerable)steps[JitGenerator.CallSitesStep].Single().Outputs.Single().Value;

        // Of 7 calls (Math.Max, ToString...), only those named Twice reach the semantic model; 2 call K.Twice.
        Assert.NotEmpty(candidates);
        Assert.All(candidates, c => Assert.Contains("Twice(", c.Value!.ToString(), StringComparison.Ordinal));
        Assert.Equal(2, callSites.Cast<object>().Count());
        Assert.Equal(2, run.Sources.Single().Value.Split("InterceptsLocation(").Length - 1);
    }

    [Fact]
    public void Calls_through_an_alias_a_derived_type_using_static_and_a_same_named_member_are_intercepted_and_calls_on_values_are_not()
    {
        // The receiver check binds only the name before the dot, at the start of the member: each of these
        // must still reach the full binding, and a list's Add (named like a kernel) must not be intercepted.
        const string Kernels = """
            using Parallax;
            namespace Demo;
            public partial class K
            {
                [Jit] public static double[] Add(double[] x, double[] y) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i]; return r; }
            }
            public class Derived : K { }
            """;
        const string Callers = """
            using KK = Demo.K;
            using static Demo.K;
            namespace Demo;
            public class Callers
            {
                private static readonly K K = new K();
                private readonly System.Collections.Generic.List<double[]> list = new();
                public double[][] Run(double[] x)
                {
                    list.Add(x);
                    list?.Add(x);
                    var local = new System.Collections.Generic.List<double[]>();
                    local.Add(x);
                    local
                        .Add(x);
                    foreach (var each in local) { each.Clone(); }
                    Derived Derived = new Derived(); // "Color Color": Derived.Add below still names the type's static method
                    return [KK.Add(x, x), Derived.Add(x, x), Add(x, x), K.Add(x, x), global::Demo.K.Add(x, x)];
                }
            }
            """;
        var run = GeneratorHarness.Run([Kernels, Callers], new JitGenerator()).AssertCompiles();
        var steps = run.Result.Results.Single().TrackedSteps;

        // The calls through values never reach the semantic model: their receivers name no type, read from the text.
        var candidates = steps[JitGenerator.CandidatesStep].SelectMany(s => s.Outputs).Select(o => o.Value!.ToString()!).ToList();
        Assert.Equal(5, candidates.Count);
        Assert.DoesNotContain(candidates, c => c.Contains("list", StringComparison.Ordinal) || c.Contains("local", StringComparison.Ordinal));
        var callSites = (System.Collections.IEnumerable)steps[JitGenerator.CallSitesStep].Single().Outputs.Single().Value;
        Assert.True(5 == callSites.Cast<object>().Count(), string.Join("\n", run.Sources.Single().Value.Split('\n').Where(l => l.Contains("InterceptsLocation(", StringComparison.Ordinal))));
        Assert.Equal(5, run.Sources.Single().Value.Split("InterceptsLocation(").Length - 1);
    }

    [Fact]
    public void A_call_is_taken_unbound_only_when_the_type_has_one_method_of_that_name()
    {
        // Type.Kernel(...) is known without binding the caller's body when the type and its bases hold one
        // member of that name. An overload that is not a kernel, a derived type's method hiding the kernel
        // and a local named like the type must all go to the full binding and stay unintercepted.
        const string Kernels = """
            using Parallax;
            namespace Demo;
            public partial class K
            {
                [Jit] public static double[] Twice(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = 2 * x[i]; return r; }
                [Jit] public static double[] Scale(double[] x, double a) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = a * x[i]; return r; }
                public static float[] Scale(float[] x, float a) => x;
            }
            public class Hiding : K { public static new double[] Twice(double[] x) => x; }
            public class Other { public double[] Twice(double[] x) => x; }
            """;
        const string Callers = """
            namespace Demo;
            public class Callers
            {
                public object[] Run(double[] x, float[] f)
                {
                    var first = K.Twice(x);          // intercepted, without binding this body
                    var second = K.Scale(x, 2.0);    // intercepted: overload resolution picks the kernel
                    var third = K.Scale(f, 2f);      // the plain overload
                    var fourth = Hiding.Twice(x);    // the derived type's own method
                    return [first, second, third, fourth, Local(x)];
                }

                private static double[] Local(double[] x)
                {
                    var K = new Other();
                    return K.Twice(x);               // a local named like the type: an instance call
                }
            }
            """;
        var run = GeneratorHarness.Run([Kernels, Callers], new JitGenerator()).AssertCompiles();
        var intercepted = run.Sources.Values.SelectMany(s => s.Split('\n')).Where(l => l.Contains("InterceptsLocation(", StringComparison.Ordinal)).ToArray();
        Assert.True(intercepted.Length == 2, string.Join("\n", intercepted));
        Assert.True(intercepted.Any(l => l.Contains("File1.cs(6,", StringComparison.Ordinal)) && intercepted.Any(l => l.Contains("File1.cs(7,", StringComparison.Ordinal)), string.Join("\n", intercepted));
    }

    [Fact]
    public void Edit_to_an_unrelated_method_binds_nothing_new_and_regenerates_nothing()
    {
        var (first, second) = RunTwice([Kernels, Caller, Other], 2, Other.Replace("System.Math.Max(a, b).ToString()", "System.Math.Min(a, b).ToString() + a.ToString()", StringComparison.Ordinal));
        var steps = second.Results.Single().TrackedSteps;

        foreach (var step in new[] { JitGenerator.KernelNamesStep, JitGenerator.BoundCallsStep, JitGenerator.CallSitesStep, JitGenerator.KernelsStep })
        {
            var reasons = steps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step '{step}' produced {r}"));
        }

        Assert.Same(first.Results.Single().GeneratedSources.Single().SourceText, second.Results.Single().GeneratedSources.Single().SourceText);
    }

    [Fact]
    public void A_new_call_in_another_file_is_bound_and_intercepted()
    {
        var (_, second) = RunTwice([Kernels, Caller, Other], 2, Other.Replace("Twice(new double[1])", "K.Twice(new double[1])", StringComparison.Ordinal));
        var steps = second.Results.Single().TrackedSteps;
        Assert.Contains(steps[JitGenerator.CandidatesStep].SelectMany(s => s.Outputs), o => o.Reason is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified);
        Assert.Equal(IncrementalStepRunReason.Modified, steps[JitGenerator.CallSitesStep].Single().Outputs.Single().Reason);
        Assert.Equal(3, second.Results.Single().GeneratedSources.Single().SourceText.ToString().Split("InterceptsLocation(").Length - 1);
    }

    [Fact]
    public void A_new_kernel_named_like_an_existing_call_intercepts_it()
    {
        // The names come from the [Jit] methods: a kernel added later must find calls written before it.
        const string Busy = "namespace Demo; public static class Use { public static double[] Run(double[] x) => K.Negate(x); }";
        const string Before = "namespace Demo; public static partial class K { public static double[] Negate(double[] x) => x; }";
        const string After = """
            using Parallax;
            namespace Demo;
            public static partial class K
            {
                [Jit] public static double[] Negate(double[] x) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = -x[i]; return r; }
            }
            """;
        var (first, second) = RunTwice([Busy, Before], 1, After);
        Assert.Empty(first.Results.Single().GeneratedSources);
        Assert.Contains("[global::System.Runtime.CompilerServices.InterceptsLocation(", second.Results.Single().GeneratedSources.Single().SourceText.ToString());
    }

    /// <summary>Runs the generator, replaces file <paramref name="index"/> with <paramref name="edited"/>, runs it again.</summary>
    private static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunTwice(string[] sources, int index, string edited)
    {
        var compilation = GeneratorHarness.Compile(sources);
        var driver = GeneratorHarness.CreateDriver(new JitGenerator()).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.ElementAt(index);
        var next = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        return (driver.GetRunResult(), driver.RunGenerators(next).GetRunResult());
    }
}
