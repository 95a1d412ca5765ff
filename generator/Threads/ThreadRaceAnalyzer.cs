using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Parallax.Generator.Threads;

/// <summary>
/// PAR3001: the race the seed's GIL section warns about, which .NET (having no GIL) does not hide.
/// A thread's entry code — a [Thread]/[Daemon] method, or the <c>Run()</c> of a [Thread]/[Daemon]
/// class — that writes shared state outside a <c>lock</c> and not through <c>Interlocked</c> or
/// <c>Volatile.Write</c>. What counts as shared is decided by <see cref="SharedState"/> and documented
/// in docs/diagnostics/PAR3001.md. Only the entry method's own body is checked, not the methods it calls.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class ThreadRaceAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.UnsynchronizedSharedWrite);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var thread = start.Compilation.GetTypeByMetadataName(KnownNames.ThreadAttribute);
            var daemon = start.Compilation.GetTypeByMetadataName(KnownNames.DaemonAttribute);
            if (thread is null && daemon is null)
            {
                return;
            }

            var descriptor = HelpLinks.For(DiagnosticDescriptors.UnsynchronizedSharedWrite, HelpLinks.Root(start.Options.AnalyzerConfigOptionsProvider));
            start.RegisterOperationBlockAction(block =>
            {
                if (block.OwningSymbol is IMethodSymbol method && EntryKind(method, thread, daemon) is { } kind)
                {
                    Analyze(block, method, kind, descriptor);
                }
            });
        });
    }

    /// <summary>What kind of thread entry a method is, which decides whether <c>this</c> is shared.</summary>
    internal enum Entry
    {
        /// <summary>A static [Thread]/[Daemon] method, or an instance one of a class: every thread made from one object shares it.</summary>
        Method,

        /// <summary>An instance [Thread]/[Daemon] method of a struct: the factory gives each thread its own copy.</summary>
        StructMethod,

        /// <summary>The Run() of a [Thread]/[Daemon] class: the object is the thread's own.</summary>
        ClassRun,
    }

    private static Entry? EntryKind(IMethodSymbol method, INamedTypeSymbol? thread, INamedTypeSymbol? daemon)
    {
        bool Marked(ISymbol symbol) => symbol.GetAttributes().Any(a =>
            SymbolEqualityComparer.Default.Equals(a.AttributeClass, thread) || SymbolEqualityComparer.Default.Equals(a.AttributeClass, daemon));

        if (method.MethodKind == MethodKind.Ordinary && Marked(method))
        {
            return !method.IsStatic && method.ContainingType.IsValueType ? Entry.StructMethod : Entry.Method;
        }

        return method is { Name: "Run", IsStatic: false, Parameters.IsEmpty: true } && Marked(method.ContainingType) ? Entry.ClassRun : null;
    }

    private static void Analyze(OperationBlockAnalysisContext context, IMethodSymbol method, Entry kind, DiagnosticDescriptor descriptor)
    {
        var state = new SharedState(method, kind, context.OperationBlocks, context.CancellationToken);
        var reported = new HashSet<string>();
        string entryName = kind == Entry.ClassRun ? method.ContainingType.Name + ".Run" : method.Name;
        foreach (var root in context.OperationBlocks)
        {
            foreach (var operation in root.Descendants())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                foreach (var (target, readModifyWrite) in WrittenTargets(operation))
                {
                    if (InsideLock(operation) || state.Write(target, readModifyWrite) is not { } write || !reported.Add(write.Key))
                    {
                        continue;
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        descriptor,
                        target.Syntax.GetLocation(),
                        entryName,
                        write.Kind,
                        write.Name,
                        write.Why,
                        write.Fix));
                }
            }
        }
    }

    /// <summary>
    /// The storage each operation writes, with the operator when the write reads the old value
    /// first (<c>++</c>, <c>+=</c>, <c>??=</c>, passing by <c>ref</c>): those lose updates even on a
    /// volatile field. Null for a plain store (<c>=</c>, deconstruction, <c>out</c>).
    /// </summary>
    private static IEnumerable<(IOperation Target, string? ReadModifyWrite)> WrittenTargets(IOperation operation)
    {
        switch (operation)
        {
            case IDeconstructionAssignmentOperation deconstruction:
                return Flatten(deconstruction.Target).Select(t => (t, (string?)null));
            case ISimpleAssignmentOperation { IsRef: true }:
                // 'r = ref x' points a ref local somewhere else; it stores nothing.
                return [];
            case ISimpleAssignmentOperation assignment:
                return [(assignment.Target, null)];
            case ICoalesceAssignmentOperation coalesce:
                return [(coalesce.Target, "??=")];
            case ICompoundAssignmentOperation compound:
                return [(compound.Target, (compound.Syntax as AssignmentExpressionSyntax)?.OperatorToken.Text ?? "compound assignment")];
            case IIncrementOrDecrementOperation increment:
                return [(increment.Target, increment.Kind == OperationKind.Increment ? "++" : "--")];
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument
                when !IsSynchronizationCall(argument.Parent):
                return [(argument.Value, argument.Parameter.RefKind == RefKind.Ref ? "ref" : null)];
            default:
                return [];
        }
    }

    private static IEnumerable<IOperation> Flatten(IOperation target) => target switch
    {
        ITupleOperation tuple => tuple.Elements.SelectMany(Flatten),
        IDeclarationExpressionOperation declaration => Flatten(declaration.Expression),
        _ => [target],
    };

    // Interlocked.* and Volatile.* take the storage by ref: that is the synchronized way to write it.
    private static bool IsSynchronizationCall(IOperation? operation) =>
        operation is IInvocationOperation { TargetMethod.ContainingType: { } type }
        && type.ContainingNamespace?.ToDisplayString() == "System.Threading"
        && type.Name is "Interlocked" or "Volatile";

    private static bool InsideLock(IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is ILockOperation)
            {
                return true;
            }
        }

        return false;
    }
}
