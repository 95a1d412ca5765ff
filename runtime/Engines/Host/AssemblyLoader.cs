using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// Loads the assemblies that hold dispatched code, once per build (path and MVID), resolves their
/// dependencies from their own deps.json or folder, and runs their module initializers, which register
/// the invokers; returns the invokers each build registered. The first build of an assembly name goes
/// into the default context, as one program's assemblies always did (code strings compiled against the
/// client's assemblies see the same types). A standing cluster outlives programs, and two clients may
/// run two builds of one assembly (rebuilt between runs): a later build of a name already loaded gets an
/// <see cref="AssemblyLoadContext"/> of its own, with its own dependencies and its own invokers, sharing
/// with the engine only what the engine host itself runs on (the framework, Parallax.dll, MemoryPack:
/// the namespace and the invoker table stay one). Load contexts are never unloaded: each build a
/// client brings costs the engine its loaded code until the engine stops.
/// </summary>
internal static class AssemblyLoader
{
    private static readonly Dictionary<(string Path, Guid Mvid), Dictionary<string, EngineInvoker>> Loaded = [];
    private static readonly List<(AssemblyDependencyResolver? Resolver, string Folder)> Sources = [];
    private static readonly Lock Gate = new();
    private static bool hooked;

    /// <summary>Loads the build <paramref name="mvid"/> of <paramref name="path"/> (any build when empty) and returns the invokers it registered.</summary>
    /// <exception cref="FileNotFoundException">The file is gone.</exception>
    /// <exception cref="InvalidOperationException">The file is another build than the client runs (rebuilt since the client loaded it).</exception>
    public static IReadOnlyDictionary<string, EngineInvoker> EnsureLoaded(string path, Guid mvid)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue((path, mvid), out var known))
            {
                return known;
            }

            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The engine cannot find the assembly '{path}' that holds the dispatched code. Engines run on this machine and load the caller's build output: do not move or delete it while the cluster runs.", path);
            }

            var onDisk = Parallax.Engines.DispatchAssemblies.ReadMvid(path);
            if (mvid != Guid.Empty && onDisk != mvid)
            {
                throw new InvalidOperationException(
                    $"The assembly '{path}' was rebuilt after the client loaded it: the client runs build {mvid}, the file is build {onDisk}. " +
                    "The engine loads dispatched code from the file, so it cannot run the client's build; restart the client to run the new build.");
            }

            var resolver = Resolver(path);
            var name = AssemblyName.GetAssemblyName(path);
            var inDefault = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName()));
            Assembly assembly;
            if (inDefault is null || inDefault.ManifestModule.ModuleVersionId == onDisk)
            {
                Sources.Add((resolver, Path.GetDirectoryName(path)!));
                Hook();
                assembly = inDefault ?? AssemblyLoadContext.Default.LoadFromAssemblyPath(path);
            }
            else
            {
                assembly = new BuildLoadContext(path, resolver).LoadFromAssemblyPath(path);
            }

            var invokers = new Dictionary<string, EngineInvoker>(StringComparer.Ordinal);
            using (EngineDispatch.CaptureInto(invokers))
            {
                RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }

            Loaded[(path, mvid)] = invokers;
            return invokers;
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

            Hook();
        }
    }

    private static void Hook()
    {
        if (!hooked)
        {
            AssemblyLoadContext.Default.Resolving += Resolve;
            hooked = true;
        }
    }

    private static AssemblyDependencyResolver? Resolver(string path)
    {
        try
        {
            return new AssemblyDependencyResolver(path);
        }
        catch (InvalidOperationException)
        {
            return null; // no deps.json: probe the assembly's folder
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

    /// <summary>
    /// One build of a client's assembly beside another build of the same name: its dependencies come from
    /// its own deps.json or folder, except what the engine host runs on (its trusted platform assemblies:
    /// the framework, Parallax.dll, MemoryPack), which stays shared so the namespace and invoker table are one.
    /// </summary>
    private sealed class BuildLoadContext(string path, AssemblyDependencyResolver? resolver) : AssemblyLoadContext($"parallax-build:{path}")
    {
        private static readonly HashSet<string> Shared = [.. ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()];

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is not { } name || Shared.Contains(name))
            {
                return null;
            }

            var candidate = resolver?.ResolveAssemblyToPath(assemblyName) ?? Path.Combine(Path.GetDirectoryName(path)!, name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }
    }
}
