namespace Parallax.Generator.Threads;

/// <summary>
/// Python's <c>threading.Thread</c> for C#: beside each [Thread]/[Daemon] method, a factory that
/// returns an unstarted <c>Parallax.ThreadHandle</c>; into each [Thread]/[Daemon] class with a
/// <c>Run()</c> method, <c>Start</c>, <c>Join</c>, <c>JoinAsync</c>, <c>IsAlive</c>, <c>Name</c>, <c>Ident</c>,
/// <c>IsDaemon</c> and the <c>Handle</c> they forward to.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ThreadGenerator : IIncrementalGenerator
{
    /// <summary>Step name of the [Thread] targets after parsing, tracked by the incrementality tests.</summary>
    public const string ThreadTargetsStep = "ThreadTargets";

    /// <summary>Step name of the [Daemon] targets after parsing.</summary>
    public const string DaemonTargetsStep = "DaemonTargets";

    /// <summary>Step name of the collected specs the single output file is emitted from.</summary>
    public const string SpecsStep = "ThreadSpecs";

    /// <summary>The generated file's hint name.</summary>
    public const string HintName = "ParallaxThreads.g.cs";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var threads = Targets(context, KnownNames.ThreadAttribute, daemon: false).WithTrackingName(ThreadTargetsStep);
        var daemons = Targets(context, KnownNames.DaemonAttribute, daemon: true).WithTrackingName(DaemonTargetsStep);

        context.ReportDiagnostics(threads.Select(static (t, _) => t.Diagnostics));
        context.ReportDiagnostics(daemons.Select(static (t, _) => t.Diagnostics));

        // Only the specs reach the output, so a diagnostic that moves (an edit above it) regenerates nothing.
        // Factories first, then class members, as the file has always listed them.
        var specs = threads.Select(static (t, _) => t.Spec).Collect()
            .Combine(daemons.Select(static (t, _) => t.Spec).Collect())
            .Select(static (pair, _) => pair.Left.Concat(pair.Right).Where(s => s is not null).Select(s => s!)
                .OrderBy(s => s is ThreadMethodSpec ? 0 : 1).ToEquatableArray())
            .WithTrackingName(SpecsStep);

        context.RegisterSourceOutput(specs, static (spc, s) =>
        {
            if (!s.IsEmpty)
            {
                spc.AddSource(HintName, Emitter.Emit(s, spc.CancellationToken));
            }
        });
    }

    private static IncrementalValuesProvider<ParseResult<ThreadSpec>> Targets(IncrementalGeneratorInitializationContext context, string attribute, bool daemon) =>
        context.SyntaxProvider.ForAttributeWithMetadataName(
            attribute,
            static (node, _) => node is MethodDeclarationSyntax or ClassDeclarationSyntax or RecordDeclarationSyntax,
            (ctx, ct) => Parser.Parse(ctx, daemon, ct));
}
