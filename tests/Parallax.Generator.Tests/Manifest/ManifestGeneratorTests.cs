using Parallax.Generator.Jit;
using Parallax.Generator.Manifest;
using Parallax.Generator.Threads;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Manifest;

public class ManifestGeneratorTests
{
    private const string Source = """
        using Parallax;
        namespace Demo;
        public static partial class Kernels
        {
            [Jit] public static double[] ArrSum(double[] x, double[] y) => x;
            [Vectorize] public static double Twice(double x) => 2 * x;
        }
        public partial class Work
        {
            [Thread("writer")] public void Prescript(string file, int num) { }
            [Daemon] public static void Tick() { }
            [ParallelEngine] public static int Square(int x) => x * x;
        }
        [Thread] public partial class MyThread { void Run() { } }
        """;

    [Fact]
    public void Lists_every_annotated_member()
    {
        var run = GeneratorHarness.Run(Source, new ManifestGenerator()).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Generated_manifest_runs_and_lists_members_in_order()
    {
        var assembly = GeneratorHarness.Run(Source, new ManifestGenerator()).AssertCompiles().Load();
        var entries = (System.Collections.IEnumerable)assembly.GetType("Parallax.Generated.ParallaxManifest")!.GetProperty("Entries")!.GetValue(null)!;
        var listed = entries.Cast<object>().Select(e => e.ToString()!).ToArray();
        Assert.Equal<string[]>(
            [
                "(Engines, ParallelEngine, Demo.Work, Square)",
                "(Jit, Jit, Demo.Kernels, ArrSum)",
                "(Jit, Vectorize, Demo.Kernels, Twice)",
                "(Threads, Thread, Demo.MyThread, )",
                "(Threads, Thread, Demo.Work, Prescript)",
                "(Threads, Daemon, Demo.Work, Tick)",
            ],
            listed);
    }

    [Fact]
    public void PAR0001_is_reported_once_at_the_non_partial_type_by_the_generator_that_needs_it()
    {
        // The manifest lists the member but leaves PAR0001 to the capability that adds code beside it,
        // so that the two never report it twice.
        var run = GeneratorHarness.Run("""
            using Parallax;
            public partial class Outer
            {
                public class Inner
                {
                    [Thread] public void Work() { }
                    [Vectorize] public static double Twice(double x) => 2 * x;
                }
            }
            """, new ManifestGenerator(), new ThreadGenerator(), new JitGenerator());
        DiagnosticAssert.Exactly(
            run,
            new ExpectedDiagnostic("PAR0001", "Inner", "Work", "Thread", "Inner"),
            new ExpectedDiagnostic("PAR0001", "Inner", "Twice", "Vectorize", "Inner"));
        Assert.Contains("\"Outer.Inner\", \"Work\"", run.Sources["ParallaxManifest.g.cs"]);
    }

    [Fact]
    public void Unrelated_edit_is_cached()
    {
        Incrementality.AssertCachedAfterUnrelatedEdit(
            new ManifestGenerator(),
            Source,
            "class Unrelated { int X() => 42; }",
            ManifestGenerator.EntriesStep);
    }
}
