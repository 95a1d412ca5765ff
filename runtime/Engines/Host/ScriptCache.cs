using System.Reflection;
using System.Runtime.Loader;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// One engine's compiled code strings, keyed by the string and by the types of the namespace
/// variables it names (a string run against other types is another script). Serves the steps of
/// <see cref="ExecuteStep"/>: a string seen before runs straight from its delegates; one compiled by
/// another engine is loaded from its image when this namespace agrees with that engine's, so only
/// one engine of a call pays for the compiler.
/// </summary>
internal sealed class ScriptCache(EngineNamespace ns)
{
    /// <summary>Distinct strings kept; past it the cache starts over (each compiled string stays loaded, so a program should push values, not generate strings).</summary>
    private const int Capacity = 1024;

    private readonly Dictionary<string, CodeEntry> codes = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private long compiled;
    private long installed;
    private long hits;

    /// <summary>Strings compiled here, images loaded from another engine, and Executes that found their script ready.</summary>
    public (long Compiled, long Installed, long CacheHits) Counters => (Interlocked.Read(ref compiled), Interlocked.Read(ref installed), Interlocked.Read(ref hits));

    public ExecuteReply Execute(ExecuteMeta meta)
    {
        Func<object[], Task<object>>[] run;
        int slots;
        bool hit;
        lock (gate)
        {
            codes.TryGetValue(meta.Code, out var entry);
            if (meta.Step == ExecuteStep.Probe)
            {
                var ready = entry is not null && entry.Compiled.ContainsKey(Key(entry.Variables(ns)));
                Count(ready);
                return new ExecuteReply([], ready, NeedsImage: !ready, null);
            }

            if (meta.Step == ExecuteStep.Install)
            {
                entry ??= Add(meta.Code, meta.Image!.Identifiers);
                entry.Declared ??= [.. meta.Image!.Declared];
            }

            entry ??= Add(meta.Code, ScriptHost.Compiler.Identifiers(meta.Code));
            var variables = entry.Variables(ns);
            var key = Key(variables);
            hit = entry.Compiled.TryGetValue(key, out var script);
            Count(hit);
            CompiledScript? image = null;
            if (!hit)
            {
                AssemblyLoader.AddProbingFolders(meta.References.Concat(meta.ExtraReferences));
                if (meta.Step == ExecuteStep.Install && Agrees(meta.Image!, variables))
                {
                    image = meta.Image!;
                    Interlocked.Increment(ref installed);
                }
                else
                {
                    var (compiledNow, errors) = ScriptHost.Compiler.Compile(meta.Code, entry.Identifiers, variables, meta);
                    if (compiledNow is null)
                    {
                        // Not kept: the client may load the assembly the code was missing before it tries again.
                        return new ExecuteReply(errors, false, false, null);
                    }

                    image = compiledNow;
                    Interlocked.Increment(ref compiled);
                }

                script = new LoadedScript(image);
                entry.Declared ??= [.. image.Declared];
                entry.Compiled[key] = script;

                // From now on the string's own top-level variables are in the namespace, and are not declared for it.
                entry.Compiled[Key(entry.Variables(ns))] = script;
            }

            switch (meta.Step)
            {
                case ExecuteStep.Compile:
                    return new ExecuteReply([], hit, false, hit ? null : image);
                case ExecuteStep.Share:
                    return new ExecuteReply([], hit, false, script!.Image);
                case ExecuteStep.Install:
                    return new ExecuteReply([], hit, false, null);
            }

            (run, slots) = (script!.Factories, script.Factories.Length + 1);
        }

        // Roslyn's submission protocol: one array shared by the chain, slot 0 for globals (none), each submission
        // storing itself in the next slot so later ones read its variables.
        var submissions = new object[slots];
        foreach (var factory in run)
        {
            factory(submissions).GetAwaiter().GetResult();
        }

        return new ExecuteReply([], hit, false, null);
    }

    private CodeEntry Add(string code, string[] identifiers)
    {
        if (codes.Count >= Capacity)
        {
            codes.Clear();
        }

        var entry = new CodeEntry(identifiers);
        codes[code] = entry;
        return entry;
    }

    private void Count(bool hit)
    {
        if (hit)
        {
            Interlocked.Increment(ref hits);
        }
    }

    /// <summary>Whether this namespace gives every name the code uses (and does not declare) the type it had where the image was compiled, or lacks it there too.</summary>
    private static bool Agrees(CompiledScript image, (string Name, string TypeName)[] variables) =>
        variables.Length == image.VariableNames.Length
        && variables.Select(v => v.Name).SequenceEqual(image.VariableNames)
        && variables.Select(v => v.TypeName).SequenceEqual(image.VariableTypes);

    private static string Key((string Name, string TypeName)[] variables) =>
        string.Concat(variables.Select(v => $"{v.Name}:{v.TypeName}\n"));

    /// <summary>What is known of one code string: the names it uses, the top-level variables it declares (once compiled), its scripts by variable types.</summary>
    private sealed class CodeEntry(string[] identifiers)
    {
        public string[] Identifiers => identifiers;

        public HashSet<string>? Declared { get; set; }

        public Dictionary<string, LoadedScript> Compiled { get; } = new(StringComparer.Ordinal);

        /// <summary>The namespace variables the code names and does not declare itself, with their types, in the code's order.</summary>
        public (string Name, string TypeName)[] Variables(EngineNamespace ns)
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

    /// <summary>
    /// A compiled script loaded into a context of its own, where its submissions find each other by name
    /// and everything else (Parallax, the framework, the client's assemblies) comes from the default
    /// context: the types dispatched code and the namespace use. The factories are found by name once.
    /// </summary>
    private sealed class LoadedScript
    {
        public LoadedScript(CompiledScript image)
        {
            Image = image;
            var context = new SubmissionContext();
            Factories = [.. image.Submissions.Select(s =>
            {
                var assembly = context.Add(s);
                var factory = assembly.GetType(s.TypeName, throwOnError: true)!.GetMethod(s.MethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                    ?? throw new InvalidOperationException($"The compiled code string has no {s.TypeName}.{s.MethodName}.");
                return factory.CreateDelegate<Func<object[], Task<object>>>();
            })];
        }

        public CompiledScript Image { get; }

        public Func<object[], Task<object>>[] Factories { get; }
    }

    private sealed class SubmissionContext() : AssemblyLoadContext("parallax-code-string")
    {
        private readonly Dictionary<string, Assembly> submissions = new(StringComparer.Ordinal);

        public Assembly Add(ScriptSubmission submission)
        {
            using var pe = new MemoryStream(submission.Assembly, writable: false);
            using var pdb = new MemoryStream(submission.Symbols, writable: false);
            var assembly = LoadFromStream(pe, pdb);
            submissions[assembly.GetName().Name!] = assembly;
            return assembly;
        }

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name is { } name && submissions.TryGetValue(name, out var own) ? own : null;
    }
}
