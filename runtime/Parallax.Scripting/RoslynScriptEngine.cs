using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;
using Parallax.Engines;

namespace Parallax.Scripting;

/// <summary>
/// Compiles a code string into a chain of three script submissions and keeps the result:
/// <list type="number">
/// <item>declarations of the namespace variables the string names, typed as they were pushed or set
/// (<c>double[,] a = Engine.Get&lt;double[,]&gt;("a");</c>), a submission of their own so that the
/// string may declare the same names again and its errors keep its own line numbers;</item>
/// <item>the string itself;</item>
/// <item><c>Engine.Set("c", c);</c> for every top-level variable of the string and every variable of
/// the first submission: typed code, so storing back needs no reflection.</item>
/// </list>
/// A compiled chain is keyed by the string and the types of the namespace variables it names; a
/// string seen before is run straight from its delegate.
/// </summary>
internal sealed class RoslynScriptEngine : ScriptEngine
{
    /// <summary>Distinct strings kept; past it the cache starts over (each compiled string is an assembly that stays loaded, so a program should not generate strings).</summary>
    private const int Capacity = 1024;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, kind: SourceCodeKind.Script);

    private readonly Dictionary<string, CodeEntry> codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScriptReferences> referenceSets = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private long compiled;
    private long cacheHits;

    public override (long Compiled, long CacheHits) Counters => (Interlocked.Read(ref compiled), Interlocked.Read(ref cacheHits));

    public override ExecuteReply Execute(ExecuteMeta meta, EngineNamespace ns)
    {
        ScriptRunner<object> run;
        bool hit;
        lock (gate)
        {
            if (!codes.TryGetValue(meta.Code, out var entry))
            {
                if (codes.Count >= Capacity)
                {
                    codes.Clear();
                }

                entry = new CodeEntry(Identifiers(meta.Code));
                codes[meta.Code] = entry;
            }

            var variables = entry.NamespaceVariables(ns);
            var key = Key(variables);
            hit = entry.Compiled.TryGetValue(key, out run!);
            if (!hit)
            {
                var (runner, errors, declared) = Compile(meta, variables);
                if (runner is null)
                {
                    // Not kept: the client may load the assembly the code was missing before it tries again.
                    return new ExecuteReply(errors, CacheHit: false);
                }

                Interlocked.Increment(ref compiled);
                entry.Declared ??= declared;
                entry.Compiled[key] = runner;

                // The next time, the string's own top-level variables are in the namespace but not declared for it.
                entry.Compiled[Key(entry.NamespaceVariables(ns))] = runner;
                run = runner;
            }
            else
            {
                Interlocked.Increment(ref cacheHits);
            }
        }

        if (!meta.CompileOnly)
        {
            run(globals: null, CancellationToken.None).GetAwaiter().GetResult();
        }

        return new ExecuteReply([], hit);
    }

    private (ScriptRunner<object>? Runner, ScriptError[] Errors, HashSet<string> Declared) Compile(ExecuteMeta meta, (string Name, string TypeName)[] variables)
    {
        if (!referenceSets.TryGetValue(meta.ReferencesId, out var references))
        {
            references = ScriptReferences.Create(meta);
            referenceSets[meta.ReferencesId] = references;
        }

        var options = ScriptOptions.Default
            .WithReferences(references.References)
            .WithImports("System", "System.Linq", "Parallax")
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithEmitDebugInformation(true)
            .WithFilePath("execute")
            .WithFileEncoding(Encoding.UTF8);

        var preamble = new StringBuilder();
        var inScope = new List<string>();
        foreach (var (name, typeName) in variables)
        {
            var type = references.CSharpName(typeName) ?? "object";
            preamble.Append(type).Append(" @").Append(name).Append(" = global::Parallax.Engine.Get<").Append(type).Append(">(")
                .Append(SymbolDisplay.FormatLiteral(name, quote: true)).Append(");\n");
            inScope.Add(name);
        }

        var declarations = CSharpScript.Create(preamble.ToString(), options);
        var user = declarations.ContinueWith(meta.Code, options);
        var compilation = user.GetCompilation();
        var errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => (d, d.Location.GetLineSpan().StartLinePosition))
            .Select(e => new ScriptError(e.d.Id, e.StartLinePosition.Line + 1, e.StartLinePosition.Character + 1, e.d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (errors.Length > 0)
        {
            return (null, errors, declared);
        }

        var storeBack = new StringBuilder();
        foreach (var field in compilation.ScriptClass!.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.IsImplicitlyDeclared && field.CanBeReferencedByName && CanStore(field.Type))
            {
                declared.Add(field.Name);
            }
        }

        foreach (var name in inScope.Concat(declared).Distinct(StringComparer.Ordinal))
        {
            storeBack.Append("global::Parallax.Engine.Set(").Append(SymbolDisplay.FormatLiteral(name, quote: true)).Append(", @").Append(name).Append(");\n");
        }

        var chain = user.ContinueWith(storeBack.ToString(), options);
        try
        {
            return (chain.CreateDelegate(), [], declared);
        }
        catch (CompilationErrorException ex)
        {
            // Only the generated submissions are left to fail here; say so rather than point into the user's lines.
            return (null, [.. ex.Diagnostics.Select(d => new ScriptError(d.Id, 0, 0, $"Parallax could not store the code's variables back into the namespace: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}"))], declared);
        }
    }

    /// <summary>A type <c>Engine.Set</c> can take as its type argument.</summary>
    private static bool CanStore(ITypeSymbol type) =>
        !type.IsRefLikeType && type is not (IPointerTypeSymbol or IFunctionPointerTypeSymbol) && type.SpecialType != SpecialType.System_Void;

    private static string[] Identifiers(string code) =>
        [.. CSharpSyntaxTree.ParseText(code, ParseOptions).GetRoot().DescendantNodes().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText).Distinct(StringComparer.Ordinal)];

    private static string Key((string Name, string TypeName)[] variables)
    {
        var key = new StringBuilder();
        foreach (var (name, typeName) in variables)
        {
            key.Append(name).Append(':').Append(typeName).Append('\n');
        }

        return key.ToString();
    }

    /// <summary>What is known of one code string: the names it uses, the top-level variables it declares (once it compiled), its compiled chains.</summary>
    private sealed class CodeEntry(string[] identifiers)
    {
        public HashSet<string>? Declared { get; set; }

        public Dictionary<string, ScriptRunner<object>> Compiled { get; } = new(StringComparer.Ordinal);

        /// <summary>The namespace variables the code names and does not declare itself, with their types.</summary>
        public (string Name, string TypeName)[] NamespaceVariables(EngineNamespace ns)
        {
            var found = new List<(string, string)>();
            foreach (var name in identifiers)
            {
                if (Declared?.Contains(name) != true && ns.TryGetTypeName(name, out var typeName))
                {
                    found.Add((name, typeName));
                }
            }

            return [.. found];
        }
    }
}
