using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Parallax.Generator.Tests.Harness;

/// <summary>
/// Checks that a generator caches: after an edit that should not matter to it, every tracked step
/// the generator names reports Cached or Unchanged, and no output is regenerated.
/// </summary>
public static class Incrementality
{
    /// <summary>
    /// Runs <paramref name="generator"/> on <paramref name="source"/>, then again after appending
    /// <paramref name="unrelatedEdit"/> to the file, and asserts the named steps were reused.
    /// </summary>
    public static void AssertCachedAfterUnrelatedEdit(IIncrementalGenerator generator, string source, string unrelatedEdit, params string[] trackedSteps) =>
        AssertCachedAfterEdit(generator, source, source + "\n" + unrelatedEdit, trackedSteps);

    /// <summary>
    /// Runs <paramref name="generator"/> on <paramref name="source"/>, then again on <paramref name="edited"/>
    /// (the same file), and asserts the named steps were reused and no output was regenerated.
    /// </summary>
    public static void AssertCachedAfterEdit(IIncrementalGenerator generator, string source, string edited, params string[] trackedSteps)
    {
        Assert.NotEqual(source, edited);
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver(generator).RunGenerators(compilation);

        var tree = compilation.SyntaxTrees.Single();
        var next = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(next).GetRunResult().Results.Single();

        Assert.NotEmpty(trackedSteps);
        foreach (var step in trackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step '{step}' is not tracked; tracked: {string.Join(", ", result.TrackedSteps.Keys)}");
            var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step '{step}' ran again: {r}"));
        }

        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();
        Assert.All(outputs, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an output was regenerated: {r}"));
    }
}
