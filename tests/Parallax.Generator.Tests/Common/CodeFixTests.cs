using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Parallax.CodeFixes;
using Parallax.Generator.Diagnostics;
using Parallax.Generator.Engines;
using Parallax.Generator.Jit;
using Parallax.Generator.Threads;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Common;

/// <summary>
/// The code fixes, applied as an IDE applies them (a workspace document, the generator's diagnostic, the
/// fix's code action): the fixed source builds and the generator no longer reports the diagnostic.
/// </summary>
public class CodeFixTests
{
    [Fact]
    public async Task Make_partial_fixes_every_enclosing_type_of_a_Vectorize_method()
    {
        string fixedSource = await FixAsync("""
            using Parallax;
            namespace Demo;
            public static class Outer
            {
                internal static class Kernels
                {
                    [Vectorize] public static double Twice(double x) => 2 * x;
                }
            }
            """, "PAR0001", new MakePartialCodeFix(), new JitGenerator());
        Assert.Contains("public static partial class Outer", fixedSource, StringComparison.Ordinal);
        Assert.Contains("internal static partial class Kernels", fixedSource, StringComparison.Ordinal);
        AssertFixed(fixedSource, "PAR0001", new JitGenerator());
    }

    [Fact]
    public async Task Make_partial_fixes_a_ParallelEngine_method_and_a_Thread_class()
    {
        string engine = await FixAsync("""
            using Parallax;
            public sealed class Cells { [ParallelEngine] public static int Twice(int x) => 2 * x; }
            """, "PAR0001", new MakePartialCodeFix(), new EngineGenerator());
        Assert.Contains("public sealed partial class Cells", engine, StringComparison.Ordinal);
        AssertFixed(engine, "PAR0001", new EngineGenerator());

        string thread = await FixAsync("""
            using Parallax;
            [Thread] public class Worker { public void Run() { } }
            """, "PAR3002", new MakePartialCodeFix(), new ThreadGenerator());
        Assert.Contains("public partial class Worker", thread, StringComparison.Ordinal);
        AssertFixed(thread, "PAR3002", new ThreadGenerator());
    }

    [Fact]
    public async Task Allow_fast_math_adds_the_named_argument_or_turns_a_false_one_true()
    {
        const string Loop = "{ double s = 0; for (int i = 0; i < x.Length; i++) s += x[i]; return s; }";
        string added = await FixAsync($$"""
            using Parallax;
            public static partial class Kernels { [Jit(Parallel = false)] public static double Sum(double[] x) {{Loop}} }
            """, "PAR1100", new AllowFastMathCodeFix(), new JitGenerator());
        Assert.Contains("[Jit(Parallel = false, FastMath = true)]", added, StringComparison.Ordinal);
        AssertFixed(added, "PAR1100", new JitGenerator());

        string turned = await FixAsync($$"""
            using Parallax;
            public static partial class Kernels { [Parallax.JitAttribute(FastMath = false)] public static double Sum(double[] x) {{Loop}} }
            """, "PAR1100", new AllowFastMathCodeFix(), new JitGenerator());
        Assert.Contains("[Parallax.JitAttribute(FastMath = true)]", turned, StringComparison.Ordinal);
        AssertFixed(turned, "PAR1100", new JitGenerator());
    }

    [Fact]
    public void Each_fix_names_the_ids_of_the_generator_descriptors_it_fixes()
    {
        Assert.Equal([DiagnosticDescriptors.ContainingTypeNotPartial.Id, DiagnosticDescriptors.ThreadClassNotPartial.Id], new MakePartialCodeFix().FixableDiagnosticIds.ToArray());
        Assert.Equal([DiagnosticDescriptors.JitExactReduction.Id], new AllowFastMathCodeFix().FixableDiagnosticIds.ToArray());
    }

    private static async Task<string> FixAsync(string source, string id, CodeFixProvider fix, IIncrementalGenerator generator)
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.CurrentSolution
            .AddProject("User", "User", LanguageNames.CSharp)
            .WithParseOptions(GeneratorHarness.ParseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(Net100.References.All.Cast<MetadataReference>().Append(MetadataReference.CreateFromFile(typeof(JitAttribute).Assembly.Location)));
        var document = project.AddDocument("File0.cs", source, filePath: "/src/File0.cs");
        var compilation = (CSharpCompilation)(await document.Project.GetCompilationAsync())!;
        var diagnostic = Assert.Single(GeneratorHarness.Run(compilation, generator).GeneratorDiagnostics, d => d.Id == id);

        var actions = new List<CodeAction>();
        await fix.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
        var operations = await Assert.Single(actions).GetOperationsAsync(CancellationToken.None);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        return (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
    }

    private static void AssertFixed(string source, string id, IIncrementalGenerator generator)
    {
        var run = GeneratorHarness.Run(source, generator).AssertCompiles();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == id);
    }
}
