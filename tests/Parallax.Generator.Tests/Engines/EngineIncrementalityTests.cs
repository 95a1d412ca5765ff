using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.Generator.Engines;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Engines;

public class EngineIncrementalityTests
{
    private const string Calls = """
        using Parallax;
        namespace Demo;
        public static partial class Kernels
        {
            [ParallelEngine] public static int Square(int x) => x * x;
            public static int[] Run(DirectView v) { int n = 2; return v.ApplySync(() => n + 1); }
            public static int[] Farm(LoadBalancedView lv) { int n = 3; return lv.MapSync(x => x + n, new[] { 1 }, chunkSize: 4); }
        }
        """;

    private const string Other = "namespace Demo; public static class Unrelated { public static int X() => 1; }";

    // An interceptor's location encodes its file's checksum, so an edit in the same file must regenerate
    // it; an edit in another file must not.
    [Fact]
    public void Edit_in_another_file_is_cached()
    {
        var compilation = GeneratorHarness.Compile(Calls, Other);
        var driver = GeneratorHarness.CreateDriver(new EngineGenerator()).RunGenerators(compilation);
        var otherTree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(otherTree, CSharpSyntaxTree.ParseText(Other + "\nclass More { int Y() => 42; }", GeneratorHarness.ParseOptions, path: otherTree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (var step in new[] { EngineGenerator.CallSitesStep, EngineGenerator.MethodsStep })
        {
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step '{step}' ran again: {r}"));
        }

        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output was regenerated: {r}"));
    }

    [Fact]
    public void Unrelated_edit_in_the_same_file_keeps_engine_methods_cached()
    {
        Incrementality.AssertCachedAfterUnrelatedEdit(
            new EngineGenerator(),
            """
            using Parallax;
            namespace Demo;
            public static partial class Kernels
            {
                [ParallelEngine] public static int Square(int x) => x * x;
            }
            """,
            "class Unrelated { int X() => 42; }",
            EngineGenerator.MethodsStep);
    }
    [Fact]
    public void Blank_lines_above_a_method_with_an_error_move_its_diagnostic_and_regenerate_no_source()
    {
        const string Source = """
            using Parallax;
            namespace Demo;
            public partial class Kernels
            {
                [ParallelEngine] public static int Square(int x) => x * x;
                [ParallelEngine] public int Instance() => 1;
            }
            """;
        var compilation = GeneratorHarness.Compile(Source);
        var driver = GeneratorHarness.CreateDriver(new EngineGenerator()).RunGenerators(compilation);
        var before = driver.GetRunResult();
        var first = Assert.Single(before.Diagnostics);
        var tree = compilation.SyntaxTrees.Single();
        var moved = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText("\n\n" + Source, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var after = driver.RunGenerators(moved).GetRunResult();

        var diagnostic = Assert.Single(after.Diagnostics);
        Assert.Equal("PAR2008", diagnostic.Id);
        Assert.Equal(first.Location.GetLineSpan().StartLinePosition.Line + 2, diagnostic.Location.GetLineSpan().StartLinePosition.Line);

        // Square's helper is the very text of the first run: its output did not run again.
        var source = Assert.Single(before.Results.Single().GeneratedSources);
        Assert.Same(source.SourceText, Assert.Single(after.Results.Single().GeneratedSources).SourceText);
    }
}
