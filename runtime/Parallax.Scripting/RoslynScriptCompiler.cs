using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Scripting;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Scripting;

/// <summary>
/// Compiles a code string into a chain of up to three script submissions, emitted for
/// <see cref="ScriptCache"/> to load (here, and on the engines it sends the image to):
/// <list type="number">
/// <item>declarations of the namespace variables the string names, typed as they were pushed or set
/// (<c>double[,] a = Engine.Get&lt;double[,]&gt;("a");</c>), a submission of their own so that the
/// string may declare the same names again and its errors keep its own line numbers;</item>
/// <item>the string itself;</item>
/// <item><c>Engine.Set("c", c);</c> for every top-level variable of the string and every variable of
/// the first submission: typed code, so storing back needs no reflection.</item>
/// </list>
/// </summary>
internal sealed class RoslynScriptCompiler : ScriptCompiler
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    /// <summary>Errors that a reference the client has but did not load may resolve: the compile is tried again with those too.</summary>
    private static readonly HashSet<string> MissingSymbol = new(StringComparer.Ordinal) { "CS0012", "CS0103", "CS0234", "CS0246", "CS0400", "CS1061", "CS1069" };

    private readonly Dictionary<(string Id, bool WithExtra), ScriptReferences> referenceSets = [];

    public override string[] Identifiers(string code) =>
        [.. CSharpSyntaxTree.ParseText(code, ParseOptions).GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText).Distinct(StringComparer.Ordinal)];

    public override (CompiledScript? Script, ScriptError[] Errors) Compile(string code, string[] identifiers, (string Name, string TypeName)[] variables, ExecuteMeta references)
    {
        // Matrices only multiplied are read where they lie; when the code does not compile that way (a
        // name Linalg that is not Parallax's, an overload it lacks), it is compiled as before, with arrays,
        // so its errors are the ones a user expects.
        var views = MultipliedOnly(code, variables);
        if (views.Count > 0 && Compile(code, identifiers, variables, views, References(references, withExtra: false)) is { Script: not null } viewing)
        {
            return viewing;
        }

        var (script, errors) = Compile(code, identifiers, variables, [], References(references, withExtra: false));
        if (script is null && references.ExtraReferences.Length > 0 && errors.Any(e => MissingSymbol.Contains(e.Id)))
        {
            (script, errors) = Compile(code, identifiers, variables, [], References(references, withExtra: true));
        }

        return (script, errors);
    }

    /// <summary>
    /// The namespace matrices of doubles or floats that the code names only as the operands of
    /// <c>Linalg.Dot(a, b)</c>: a syntax check that finds the candidates (the compile then decides).
    /// </summary>
    internal static HashSet<string> MultipliedOnly(string code, (string Name, string TypeName)[] variables)
    {
        var matrices = variables.Where(v => v.TypeName is "System.Double[,]" or "System.Single[,]").Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        if (matrices.Count == 0)
        {
            return matrices;
        }

        foreach (var identifier in CSharpSyntaxTree.ParseText(code, ParseOptions).GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            var name = identifier.Identifier.ValueText;
            if (matrices.Contains(name) && !IsDotOperand(identifier))
            {
                matrices.Remove(name);
            }
        }

        return matrices;

        static bool IsDotOperand(IdentifierNameSyntax identifier) =>
            identifier.Parent is ArgumentSyntax { RefKindKeyword.RawKind: 0, NameColon: null, Parent: ArgumentListSyntax { Arguments.Count: 2, Parent: InvocationExpressionSyntax invocation } }
            && invocation.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Dot", Expression: var target }
            && target.ToString().Replace(" ", "", StringComparison.Ordinal) is "Linalg" or "Parallax.Linalg" or "global::Parallax.Linalg";
    }

    private ScriptReferences References(ExecuteMeta meta, bool withExtra)
    {
        if (!referenceSets.TryGetValue((meta.ReferencesId, withExtra), out var set))
        {
            set = ScriptReferences.Create(meta, withExtra);
            referenceSets[(meta.ReferencesId, withExtra)] = set;
        }

        return set;
    }

    private static (CompiledScript? Script, ScriptError[] Errors) Compile(string code, string[] identifiers, (string Name, string TypeName)[] variables, HashSet<string> views, ScriptReferences references)
    {
        var options = ScriptOptions.Default
            .WithReferences(references.References)
            .WithImports("System", "System.Linq", "Parallax")
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithEmitDebugInformation(true)
            .WithFilePath("execute")
            .WithFileEncoding(Encoding.UTF8);

        var chain = new List<Script>();
        Script? previous = null;
        Script Next(string text)
        {
            var next = previous is null ? CSharpScript.Create(text, options) : previous.ContinueWith(text, options);
            chain.Add(next);
            previous = next;
            return next;
        }

        if (variables.Length > 0)
        {
            var declarations = new StringBuilder();
            foreach (var (name, typeName) in variables)
            {
                var type = references.CSharpName(typeName) ?? "object";
                if (views.Contains(name))
                {
                    declarations.Append("global::Parallax.CompilerServices.MatrixVariable<").Append(typeName == "System.Double[,]" ? "double" : "float").Append("> @").Append(name).Append(" = new(")
                        .Append(SymbolDisplay.FormatLiteral(name, quote: true)).Append(");\n");
                    continue;
                }

                declarations.Append(type).Append(" @").Append(name).Append(" = global::Parallax.Engine.Get<").Append(type).Append(">(")
                    .Append(SymbolDisplay.FormatLiteral(name, quote: true)).Append(");\n");
            }

            if (Generated(Next(declarations.ToString()).GetCompilation().GetDiagnostics(), "declare the engine's variables for the code") is { Length: > 0 } notDeclared)
            {
                return (null, notDeclared);
            }
        }

        var compilation = Next(code).GetCompilation();
        var errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => (d, d.Location.GetLineSpan().StartLinePosition))
            .Select(e => new ScriptError(e.d.Id, e.StartLinePosition.Line + 1, e.StartLinePosition.Character + 1, e.d.GetMessage(CultureInfo.InvariantCulture)))
            .ToArray();
        if (errors.Length > 0)
        {
            return (null, errors);
        }

        var declared = compilation.ScriptClass!.GetMembers().OfType<IFieldSymbol>()
            .Where(f => !f.IsImplicitlyDeclared && f.CanBeReferencedByName && CanStore(f.Type))
            .Select(f => f.Name)
            .ToArray();
        var storeBack = new StringBuilder();
        foreach (var name in variables.Select(v => v.Name).Where(v => !views.Contains(v)).Concat(declared).Distinct(StringComparer.Ordinal))
        {
            storeBack.Append("global::Parallax.Engine.Set(").Append(SymbolDisplay.FormatLiteral(name, quote: true)).Append(", @").Append(name).Append(");\n");
        }

        if (storeBack.Length > 0 && Generated(Next(storeBack.ToString()).GetCompilation().GetDiagnostics(), "store the code's variables back into the namespace") is { Length: > 0 } notStored)
        {
            return (null, notStored);
        }

        var submissions = new List<ScriptSubmission>();
        foreach (var script in chain)
        {
            var submission = script.GetCompilation();
            if (((CompilationUnitSyntax)submission.SyntaxTrees.Single().GetRoot()).Members.Count == 0)
            {
                continue; // nothing to run (only usings or comments): Roslyn gives it no slot either
            }

            if (Emit(submission) is not { } emitted)
            {
                return (null, Generated(submission.GetDiagnostics(), "emit the compiled code"));
            }

            submissions.Add(emitted);
        }

        return (new CompiledScript(identifiers, declared, [.. variables.Select(v => v.Name)], [.. variables.Select(v => v.TypeName)], [.. submissions]), []);
    }

    private static ScriptSubmission? Emit(Compilation submission)
    {
        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        if (!submission.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb)).Success
            || submission.GetEntryPoint(CancellationToken.None) is not { } factory)
        {
            return null;
        }

        var type = factory.ContainingType;
        var typeName = type.ContainingNamespace.IsGlobalNamespace ? type.MetadataName : $"{type.ContainingNamespace.ToDisplayString()}.{type.MetadataName}";
        return new ScriptSubmission(pe.ToArray(), pdb.ToArray(), typeName, factory.MetadataName);
    }

    /// <summary>A type <c>Engine.Set</c> can take as its type argument.</summary>
    private static bool CanStore(ITypeSymbol type) =>
        !type.IsRefLikeType && type is not (IPointerTypeSymbol or IFunctionPointerTypeSymbol) && type.SpecialType != SpecialType.System_Void;

    /// <summary>Errors in a submission Parallax wrote: they have no place in the user's lines, so line and column are 0 and the message says what failed.</summary>
    private static ScriptError[] Generated(IEnumerable<Diagnostic> diagnostics, string what) =>
        [.. diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => new ScriptError(d.Id, 0, 0, $"Parallax could not {what}: {d.GetMessage(CultureInfo.InvariantCulture)}"))];
}
