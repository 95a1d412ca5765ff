using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Host;

namespace Parallax.Engines;

/// <summary>
/// Dispatch stubs of Parallax itself (user stubs come from the generator): their ids, which the
/// client calls and the engine host registers at start (<c>EngineExecutor.Install</c>). The
/// client names Parallax.dll as their assembly; the engine has it loaded already.
/// </summary>
internal static class BuiltinStubs
{
    /// <summary>(rows, columns) of an array variable (columns 1 for a vector), or (-1, -1) when it is not an array object.</summary>
    public const string Shape = "parallax.shape";

    /// <summary>A fresh engine's first call (<see cref="WarmUp"/>): it loads the client's dispatch assemblies and runs a chunk of identity tasks.</summary>
    public const string WarmUpId = "parallax.warm-up";

    public static string AssemblyPath => typeof(BuiltinStubs).Assembly.Location;

    /// <summary>
    /// The assemblies whose dispatch stubs this process has registered (their module initializers ran),
    /// with the build of each: those whose code the client may send, so those a warm-up loads.
    /// </summary>
    public static (string[] Paths, Guid[] Mvids) DispatchAssemblies()
    {
        string[] paths = [.. EngineDispatch.Assemblies()
            .Where(a => !a.IsDynamic && a != typeof(BuiltinStubs).Assembly && !string.IsNullOrEmpty(a.Location))
            .Select(a => a.Location)
            .Distinct(StringComparer.Ordinal)];
        return (paths, [.. paths.Select(Parallax.Engines.DispatchAssemblies.Mvid)]);
    }

    /// <summary>The warm-up's arguments, as a chunk of a load-balanced map of <see cref="int"/> to <see cref="int"/> carries them.</summary>
    public static byte[] EncodeWarmUp(string[] paths, Guid[] mvids, int[] block) => MemoryPackSerializer.Serialize((paths, mvids, block));

    /// <summary>
    /// Runs on the engine: loads the listed builds, as their first call would, then answers the block as a
    /// load-balanced chunk does. A first call otherwise pays for both (the assembly's load and module
    /// initializer, the engine's dispatch and serialization code compiled on first use) while the client waits.
    /// </summary>
    public static byte[] WarmUp(ReadOnlyMemory<byte> arguments)
    {
        var (paths, mvids, block) = MemoryPackSerializer.Deserialize<(string[], Guid[], int[])>(arguments.Span);
        for (var i = 0; i < paths.Length; i++)
        {
            try
            {
                AssemblyLoader.EnsureLoaded(paths[i], mvids[i]);
            }
            catch (Exception)
            {
                // Whatever stops this load (a file gone or rebuilt, a module initializer that throws) stops the
                // first call that needs the assembly too, which reports it to its caller; a warm-up has none.
            }
        }

        return EngineTasks.RunEach(block, static x => x);
    }
}
