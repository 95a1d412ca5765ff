using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// What compiles code strings on an engine. Parallax.dll only declares it: the implementation is
/// Parallax.Scripting (Roslyn), which <see cref="ScriptHost"/> loads when an engine first has to
/// compile, so neither apps nor engines that only run what another engine compiled load a compiler.
/// </summary>
internal abstract class ScriptCompiler
{
    /// <summary>Every simple name the code uses (a superset of the namespace variables it reads).</summary>
    public abstract string[] Identifiers(string code);

    /// <summary>
    /// Compiles <paramref name="code"/> with <paramref name="variables"/> in scope as typed declarations,
    /// followed by storing them and the code's own top-level variables back into the namespace.
    /// </summary>
    /// <returns>The compiled script, or the errors.</returns>
    public abstract (CompiledScript? Script, ScriptError[] Errors) Compile(string code, string[] identifiers, (string Name, string TypeName)[] variables, ExecuteMeta references);
}

/// <summary>
/// Loads Parallax.Scripting and Roslyn from the <c>parallax-scripting</c> folder beside Parallax.dll,
/// once, into a load context of their own (an app's or a dispatched assembly's own Roslyn of another
/// version cannot clash with it); the assembly's module initializer installs its <see cref="ScriptCompiler"/>.
/// Everything else those assemblies need (Parallax.dll, the framework, the client's assemblies) comes
/// from the default context, so scripts see the same types as dispatched code.
/// </summary>
internal static class ScriptHost
{
    /// <summary>The folder, beside Parallax.dll, that holds Parallax.Scripting.dll and Roslyn.</summary>
    public const string FolderName = "parallax-scripting";

    /// <summary>The package that carries the folder, for messages.</summary>
    public const string PackageName = "Parallax.Scripting";

    private static readonly Lock Gate = new();
    private static ScriptCompiler? compiler;

    /// <summary>Whether this process has loaded the compiler.</summary>
    public static bool IsLoaded => Volatile.Read(ref compiler) is not null;

    /// <summary>Called by Parallax.Scripting's module initializer.</summary>
    public static void Install(ScriptCompiler scriptCompiler) => Volatile.Write(ref compiler, scriptCompiler);

    public static ScriptCompiler Compiler => Volatile.Read(ref compiler) ?? Load();

    private static ScriptCompiler Load()
    {
        lock (Gate)
        {
            if (compiler is { } loaded)
            {
                return loaded;
            }

            var folder = Path.Combine(Path.GetDirectoryName(typeof(ScriptHost).Assembly.Location) ?? AppContext.BaseDirectory, FolderName);
            var path = Path.Combine(folder, "Parallax.Scripting.dll");
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"Execute runs C# code strings with Roslyn, which engines load from '{folder}', and that folder has no Parallax.Scripting.dll. " +
                    $"Add the {PackageName} package to the project that starts the engines (dotnet add package {PackageName}): it puts that folder beside the engine host, so only programs that run code strings carry Roslyn. " +
                    "The engines of a standing cluster (the parallax tool) carry it already.",
                    path);
            }

            var assembly = new ScriptingLoadContext(folder).LoadFromAssemblyPath(path);
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            return compiler ?? throw new InvalidOperationException($"'{path}' did not install a script compiler: it is not the Parallax.Scripting that belongs to this Parallax.dll ({typeof(ScriptHost).Assembly.GetName().Version}).");
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
