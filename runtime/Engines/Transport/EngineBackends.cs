using System.Collections.Concurrent;

namespace Parallax.Engines.Transport;

/// <summary>
/// How a client reaches a standing cluster's engines: one backend per value of a profile's
/// <c>backend</c> field (<see cref="ClusterProfile.Backend"/>). <c>Client.ConnectAsync</c> reads the
/// profile, finds its backend here, and wraps the <see cref="IEngines"/> it returns in a Client, so a
/// backend is one more implementation of the seam: the local one connects to engine processes on this
/// machine (<see cref="StandingLocalBackend"/>); a multi-machine backend registers its own under its name.
/// </summary>
internal interface IEnginesBackend
{
    /// <summary>Gets the value of the profile's <c>backend</c> field this backend serves.</summary>
    string Name { get; }

    /// <summary>
    /// Connects to the engines <paramref name="profile"/> describes. The result is the client's to
    /// dispose (<see cref="IAsyncDisposable"/>): that lets go of the engines and leaves them running.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cluster is not running; the message names the command that starts it.</exception>
    Task<IEngines> ConnectAsync(ClusterProfile profile, CancellationToken cancellationToken);
}

/// <summary>The backends <c>Client.ConnectAsync</c> knows, by name; the local one is always there.</summary>
internal static class EngineBackends
{
    private static readonly ConcurrentDictionary<string, IEnginesBackend> Known = new(StringComparer.Ordinal)
    {
        [ClusterProfile.LocalBackend] = new StandingLocalBackend(),
    };

    /// <summary>
    /// Connects to the standing cluster of <paramref name="profile"/>: a profile name (<c>default</c> when
    /// null) or the path of a profile's connection file (any value with a directory separator).
    /// </summary>
    /// <exception cref="InvalidOperationException">No cluster runs for the profile; the message names the command that starts it.</exception>
    public static Task<IEngines> ConnectAsync(string? profile, CancellationToken cancellationToken)
    {
        var isPath = profile is not null && (profile.Contains(Path.DirectorySeparatorChar) || profile.Contains(Path.AltDirectorySeparatorChar));
        var path = isPath ? Path.GetFullPath(profile!) : ClusterProfile.FileOf(profile ?? ClusterProfile.DefaultName);
        ClusterProfile record;
        try
        {
            record = ClusterProfile.Read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            var name = isPath ? ClusterProfile.NameOf(path) : profile ?? ClusterProfile.DefaultName;
            throw StandingLocalBackend.NotRunning(name, $"there is no connection file '{path}'");
        }

        return For(record).ConnectAsync(record, cancellationToken);
    }

    /// <summary>
    /// Loads the assembly that provides backend <paramref name="name"/> (<c>Parallax.Orleans</c> for
    /// <c>orleans</c>) when the program references it but has not touched it yet, and runs its module
    /// initializer, which registers the backend.
    /// </summary>
    private static bool TryLoad(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        try
        {
            var assembly = System.Reflection.Assembly.Load(new System.Reflection.AssemblyName($"Parallax.{char.ToUpperInvariant(name[0])}{name[1..]}"));
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>Adds <paramref name="backend"/> (a package's module initializer calls this); the first of a name stays.</summary>
    public static void Register(IEnginesBackend backend) => Known.TryAdd(backend.Name, backend);

    /// <summary>Finds the backend of <paramref name="profile"/>.</summary>
    /// <exception cref="NotSupportedException">No backend of that name is registered.</exception>
    public static IEnginesBackend For(ClusterProfile profile) => Known.TryGetValue(profile.Backend, out var backend) || (TryLoad(profile.Backend) && Known.TryGetValue(profile.Backend, out backend))
        ? backend
        : throw new NotSupportedException(
            $"The cluster of profile '{profile.Name}' ({profile.FilePath}) runs on backend '{profile.Backend}', which this program does not know (it knows {string.Join(", ", Known.Keys.Order(StringComparer.Ordinal))}). " +
            "Reference the Parallax package that provides that backend.");
}
