using System.Collections.Immutable;
using System.Reflection;
using Basic.Reference.Assemblies;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Parallax.Generator.Tests.Harness;

/// <summary>
/// Compiles C# source against .NET 10's reference assemblies and the Parallax runtime, runs one or
/// more generators on it through a plain <see cref="CSharpGeneratorDriver"/>, and returns what they
/// produced together with the diagnostics of the final compilation.
/// </summary>
public static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(JitAttribute).Assembly.Location))
            // Generated engine stubs serialize with MemoryPack, which user projects get through the Parallax package.
            .Append(MetadataReference.CreateFromFile(typeof(MemoryPack.MemoryPackSerializer).Assembly.Location))
            .ToImmutableArray());

    public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Preview)
        .WithFeatures([new("InterceptorsNamespaces", "Parallax.Generated")]);

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"/src/File{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable)
                // As the SDK does: libraries built for an older runtime (MemoryPack.Core targets net8.0) unify with net10.0.
                .WithSpecificDiagnosticOptions([new("CS1701", ReportDiagnostic.Suppress), new("CS1702", ReportDiagnostic.Suppress)]));

    public static GeneratorDriver CreateDriver(params IIncrementalGenerator[] generators) =>
        CSharpGeneratorDriver.Create(
            generators.Select(GeneratorExtensions.AsSourceGenerator),
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generators on <paramref name="source"/> and compiles the result.</summary>
    public static GeneratorRun Run(string source, params IIncrementalGenerator[] generators) => Run([source], generators);

    /// <summary>Runs the generators on several source files and compiles the result.</summary>
    public static GeneratorRun Run(string[] sources, params IIncrementalGenerator[] generators) => Run(Compile(sources), generators);

    /// <summary>Runs the generators on a compilation (e.g. one with other options) and compiles the result.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, params IIncrementalGenerator[] generators)
    {
        var driver = CreateDriver(generators).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        return new GeneratorRun(driver, driver.GetRunResult(), output, generatorDiagnostics);
    }
}

/// <summary>The outcome of one generator run.</summary>
public sealed record GeneratorRun(
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Generated sources by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Errors and warnings of the compilation with the generated code added, generator diagnostics included.</summary>
    public ImmutableArray<Diagnostic> AllDiagnostics =>
        GeneratorDiagnostics.AddRange(Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

    /// <summary>Fails when the generated code does not compile cleanly.</summary>
    public GeneratorRun AssertCompiles()
    {
        var errors = Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
        Assert.True(errors.Length == 0, "generated code does not compile:\n" + string.Join("\n", errors.Select(e => e.ToString())));
        return this;
    }

    /// <summary>Emits the compiled output and loads it into a collectible context, to run generated code.</summary>
    public Assembly Load()
    {
        using var pe = new MemoryStream();
        var emit = Output.Emit(pe);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        pe.Position = 0;
        var context = new System.Runtime.Loader.AssemblyLoadContext("generated-" + Guid.NewGuid(), isCollectible: true);
        return context.LoadFromStream(pe);
    }
}
