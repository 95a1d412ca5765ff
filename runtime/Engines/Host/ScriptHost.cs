using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Parallax.Engines;

/// <summary>
/// What compiles and runs code strings on an engine. Parallax.dll only declares it: the implementation
/// is Parallax.Scripting (Roslyn), which <see cref="ScriptHost"/> loads on an engine's first Execute,
/// so neither apps nor engines that never run a code string load a compiler.
/// </summary>
internal abstract class ScriptEngine
{
    /// <summary>Compiles <paramref name="meta"/>'s code against <paramref name="ns"/> (or finds it compiled), and runs it unless <see cref="ExecuteMeta.CompileOnly"/>.</summary>
    /// <returns>The compile errors (then nothing ran) and whether the compiled script came from the cache.</returns>
    public abstract ExecuteReply Execute(ExecuteMeta meta, EngineNamespace ns);

    /// <summary>How many code strings this engine compiled, and how many Executes found theirs compiled.</summary>
    public abstract (long Compiled, long CacheHits) Counters { get; }
}

/// <summary>
/// Loads Parallax.Scripting and Roslyn from the <c>parallax-scripting</c> folder beside Parallax.dll,
/// once, into a load context of their own (an app's or a dispatched assembly's own Roslyn of another
/// version cannot clash with it); the assembly's module initializer installs its <see cref="ScriptEngine"/>.
/// Everything else those assemblies need (Parallax.dll, the framework, the client's assemblies) comes
/// from the default context, so scripts see the same types as dispatched code.
/// </summary>
internal static class ScriptHost
{
    /// <summary>The folder, beside Parallax.dll, that holds Parallax.Scripting.dll and Roslyn.</summary>
    public const string FolderName = "parallax-scripting";

    private static readonly Lock Gate = new();
    private static ScriptEngine? engine;

    /// <summary>Whether a code string has been executed in this process (Roslyn is loaded).</summary>
    public static bool IsLoaded => Volatile.Read(ref engine) is not null;

    /// <summary>Called by Parallax.Scripting's module initializer.</summary>
    public static void Install(ScriptEngine scriptEngine) => Volatile.Write(ref engine, scriptEngine);

    public static ScriptEngine Engine => Volatile.Read(ref engine) ?? Load();

    private static ScriptEngine Load()
    {
        lock (Gate)
        {
            if (engine is { } loaded)
            {
                return loaded;
            }

            var folder = Path.Combine(Path.GetDirectoryName(typeof(ScriptHost).Assembly.Location) ?? AppContext.BaseDirectory, FolderName);
            var path = Path.Combine(folder, "Parallax.Scripting.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"Execute runs C# code strings with Roslyn, which engines load from '{folder}', and that folder has no Parallax.Scripting.dll. " +
                    "The Parallax package copies it into the build output beside Parallax.Engine.dll unless the project sets <ParallaxScripting>false</ParallaxScripting>; remove that, or copy the package's tools/engine/parallax-scripting folder there.",
                    path);
            }

            var assembly = new ScriptingLoadContext(folder).LoadFromAssemblyPath(path);
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            return engine ?? throw new InvalidOperationException($"'{path}' did not install a script engine: it is not the Parallax.Scripting that belongs to this Parallax.dll ({typeof(ScriptHost).Assembly.GetName().Version}).");
        }
    }

    private sealed class ScriptingLoadContext(string folder) : AssemblyLoadContext("parallax-scripting")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // Only what the folder is for; Parallax.dll and MemoryPack must stay the engine's own.
            if (assemblyName.Name is not { } name || !(name.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || name == "Parallax.Scripting"))
            {
                return null;
            }

            var candidate = Path.Combine(folder, name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
