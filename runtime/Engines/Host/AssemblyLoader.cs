using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// Loads the assemblies that hold dispatched code, once each, into the default context (so they
/// share this process's Parallax.dll and its invoker table), resolves their dependencies from their
/// own deps.json or folder, and runs their module initializers, which register the invokers.
/// </summary>
internal static class AssemblyLoader
{
    private static readonly Dictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);
    private static readonly List<(AssemblyDependencyResolver? Resolver, string Folder)> Sources = [];
    private static readonly Lock Gate = new();
    private static bool hooked;

    public static void EnsureLoaded(string path)
    {
        lock (Gate)
        {
            if (Loaded.ContainsKey(path))
            {
                return;
            }

            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The engine cannot find the assembly '{path}' that holds the dispatched code. Engines run on this machine and load the caller's build output: do not move or delete it while the cluster runs.", path);
            }

            AssemblyDependencyResolver? resolver;
            try
            {
                resolver = new AssemblyDependencyResolver(path);
            }
            catch (InvalidOperationException)
            {
                resolver = null; // no deps.json: probe the assembly's folder
            }

            Sources.Add((resolver, Path.GetDirectoryName(path)!));
            if (!hooked)
            {
                AssemblyLoadContext.Default.Resolving += Resolve;
                hooked = true;
            }

            var name = AssemblyName.GetAssemblyName(path);
            var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName()))
                ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            Loaded[path] = assembly;
        }
    }

    /// <summary>
    /// Lets the default context find assemblies in the folders of <paramref name="paths"/> when code
    /// names them (a code string compiled against the client's assemblies), without loading any now:
    /// a type loaded here is the same type dispatched code and the namespace use.
    /// </summary>
    public static void AddProbingFolders(IEnumerable<string> paths)
    {
        lock (Gate)
        {
            foreach (var folder in paths.Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
            {
                if (!Sources.Exists(s => s.Folder == folder))
                {
                    Sources.Add((null, folder));
                }
            }

            if (!hooked)
            {
                AssemblyLoadContext.Default.Resolving += Resolve;
                hooked = true;
            }
        }
    }

    private static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        foreach (var (resolver, folder) in Sources)
        {
            var candidate = resolver?.ResolveAssemblyToPath(name) ?? Path.Combine(folder, name.Name + ".dll");
            if (File.Exists(candidate))
            {
                return context.LoadFromAssemblyPath(candidate);
            }
        }

        return null;
    }
}
