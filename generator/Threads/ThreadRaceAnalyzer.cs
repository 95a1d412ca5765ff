using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Parallax.Generator.Common;
using Parallax.Generator.Diagnostics;

namespace Parallax.Generator.Threads;

/// <summary>
/// PAR3001: the race the seed's GIL section warns about, which .NET (having no GIL) does not hide.
/// A thread's entry code — a [Thread]/[Daemon] method, or the <c>Run()</c> of a [Thread]/[Daemon]
/// class — that writes a static field, or (for an instance method, whose object every thread made
/// from it shares) a field of <c>this</c>, outside a <c>lock</c> and not through <c>Interlocked</c>
/// or <c>Volatile</c>, and not to a <c>volatile</c> or <c>[ThreadStatic]</c> field.
/// Only the entry method's own body is checked, not the methods it calls.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ThreadRaceAnalyzer : DiagnosticAnalyzer
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

            start.RegisterOperationBlockAction(block =>
            {
                if (block.OwningSymbol is IMethodSymbol method && EntryKind(method, thread, daemon) is { } kind)
                {
                    Analyze(block, method, kind);
                }
            });
        });
    }

    private enum Entry
    {
        /// <summary>A [Thread]/[Daemon] method: every thread made from one object shares its fields.</summary>
        Method,

        /// <summary>The Run() of a [Thread]/[Daemon] class: its fields are the thread object's own.</summary>
        ClassRun,
    }

    private static Entry? EntryKind(IMethodSymbol method, INamedTypeSymbol? thread, INamedTypeSymbol? daemon)
    {
        bool Marked(ISymbol symbol) => symbol.GetAttributes().Any(a =>
            SymbolEqualityComparer.Default.Equals(a.AttributeClass, thread) || SymbolEqualityComparer.Default.Equals(a.AttributeClass, daemon));

        if (method.MethodKind == MethodKind.Ordinary && Marked(method))
        {
            return Entry.Method;
        }

        return method is { Name: "Run", IsStatic: false, Parameters.IsEmpty: true } && Marked(method.ContainingType) ? Entry.ClassRun : null;
    }

    private static void Analyze(OperationBlockAnalysisContext context, IMethodSymbol method, Entry kind)
    {
        var reported = new HashSet<IFieldSymbol>(SymbolEqualityComparer.Default);
        string entryName = kind == Entry.ClassRun ? method.ContainingType.Name + ".Run" : method.Name;
        foreach (var root in context.OperationBlocks)
        {
            foreach (var operation in root.Descendants())
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                foreach (var target in WrittenTargets(operation))
                {
                    if (SharedField(target, kind) is not { } field || InsideLock(operation) || !reported.Add(field.Field))
                    {
                        continue;
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        DiagnosticDescriptors.UnsynchronizedSharedWrite,
                        field.Syntax.GetLocation(),
                        entryName,
                        field.Field.IsStatic ? "static field" : "field",
                        field.Field.ContainingType.Name + "." + field.Field.Name));
                }
            }
        }
    }

    private static IEnumerable<IOperation> WrittenTargets(IOperation operation)
    {
        switch (operation)
        {
            case IDeconstructionAssignmentOperation deconstruction:
                return Flatten(deconstruction.Target);
            case IAssignmentOperation assignment:
                return [assignment.Target];
            case IIncrementOrDecrementOperation increment:
                return [increment.Target];
            case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument
                when !IsSynchronizationCall(argument.Parent):
                return [argument.Value];
            default:
                return [];
        }
    }

    private static IEnumerable<IOperation> Flatten(IOperation target) =>
        target is ITupleOperation tuple ? tuple.Elements.SelectMany(Flatten) : [target];

    // Interlocked.* and Volatile.Write take the field by ref: that is the synchronized way to write it.
    private static bool IsSynchronizationCall(IOperation? operation) =>
        operation is IInvocationOperation { TargetMethod.ContainingType: { } type }
        && type.ContainingNamespace?.ToDisplayString() == "System.Threading"
        && type.Name is "Interlocked" or "Volatile";

    private static IFieldReferenceOperation? SharedField(IOperation target, Entry kind)
    {
        if (target is not IFieldReferenceOperation reference)
        {
            return null;
        }

        // Writing a field of a struct stored in a shared field writes that shared field.
        while (reference.Field.ContainingType.IsValueType && reference.Instance is IFieldReferenceOperation outer)
        {
            reference = outer;
        }

        var field = reference.Field;
        if (field.IsVolatile || field.IsConst || field.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ThreadStaticAttribute"))
        {
            return null;
        }

        if (field.IsStatic)
        {
            return reference;
        }

        return kind == Entry.Method && reference.Instance is IInstanceReferenceOperation ? reference : null;
    }

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
