using System.Collections.Concurrent;
using System.Reflection.PortableExecutable;

namespace Parallax.Engines;

/// <summary>
/// Which build of an assembly holding dispatched code this client runs: its module version id (MVID),
/// sent with every call so that engines serving clients of two builds of one assembly (a standing
/// cluster outliving a rebuild) load each build on its own and run each client's own code.
/// </summary>
internal static class DispatchAssemblies
{
    private static readonly ConcurrentDictionary<string, Guid> Mvids = new(StringComparer.Ordinal);

    /// <summary>The MVID of the build at <paramref name="path"/> this process runs; <see cref="Guid.Empty"/> when it cannot be read.</summary>
    public static Guid Mvid(string path) => Mvids.GetOrAdd(path, static p =>
        AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && a.Location == p) is { } loaded
            ? loaded.ManifestModule.ModuleVersionId
            : ReadMvid(p) ?? Guid.Empty);

    /// <summary>The MVID in the file at <paramref name="path"/>, or null when it is no .NET assembly.</summary>
    public static Guid? ReadMvid(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return null;
            }

            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            return metadata.GetGuid(metadata.GetModuleDefinition().Mvid);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
