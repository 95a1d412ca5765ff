using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Parallax.Engines;

/// <summary>
/// The assemblies a code string may use: the ones this process has loaded (<see cref="Paths"/>), and
/// the ones they reference from their own folder (<see cref="Extra"/>: an app's library it has not
/// touched yet; engines add these only for code that does not compile without them, since every
/// reference costs the compiler time). Framework assemblies go by simple name (an engine compiles
/// against its own runtime's). <see cref="Id"/> names the set, so engines read it once.
/// </summary>
internal sealed record ClientAssemblies(string Id, string[] Framework, string[] Paths, string[] Extra, int LoadedCount)
{
    private static ClientAssemblies? last;

    /// <summary>The set for the assemblies loaded now; the previous set while no assembly was loaded since.</summary>
    public static ClientAssemblies Current()
    {
        var loaded = AppDomain.CurrentDomain.GetAssemblies();
        if (Volatile.Read(ref last) is { } cached && cached.LoadedCount == loaded.Length)
        {
            return cached;
        }

        var runtimeDirectory = Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory());
        var framework = new SortedSet<string>(StringComparer.Ordinal);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var extra = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var assembly in loaded)
        {
            if (assembly.IsDynamic || assembly.Location is not { Length: > 0 } location)
            {
                continue;
            }

            var folder = Path.GetDirectoryName(location)!;
            if (string.Equals(folder, runtimeDirectory, StringComparison.Ordinal))
            {
                framework.Add(assembly.GetName().Name!);
                continue;
            }

            paths.Add(location);
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                var candidate = Path.Combine(folder, reference.Name + ".dll");
                if (File.Exists(candidate))
                {
                    extra.Add(candidate);
                }
            }
        }

        extra.ExceptWith(paths);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', framework.Concat(["|"]).Concat(paths).Concat(["|"]).Concat(extra)))))[..32];
        var set = new ClientAssemblies(id, [.. framework], [.. paths], [.. extra], loaded.Length);
        Volatile.Write(ref last, set);
        return set;
    }
}
