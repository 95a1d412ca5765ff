using MemoryPack;
using Parallax.CompilerServices;

namespace Parallax.Engines;

/// <summary>
/// Dispatch stubs of Parallax itself, registered by the engine host at start (user stubs come from
/// the generator). The client names Parallax.dll as their assembly; the engine has it loaded already.
/// </summary>
internal static class BuiltinStubs
{
    /// <summary>(rows, columns) of an array variable (columns 1 for a vector), or (-1, -1) when it is not an array object.</summary>
    public const string Shape = "parallax.shape";

    public static string AssemblyPath => typeof(BuiltinStubs).Assembly.Location;

    public static void Register() => EngineDispatch.Register(Shape, arguments =>
    {
        var name = MemoryPackSerializer.Deserialize<string>(arguments.Span)!;
        return MemoryPackSerializer.Serialize(EngineNamespace.Current.Shape(name));
    });
}
