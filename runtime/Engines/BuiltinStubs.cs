namespace Parallax.Engines;

/// <summary>
/// Dispatch stubs of Parallax itself (user stubs come from the generator): their ids, which the
/// client calls and the engine host registers at start (<c>EngineHost.RegisterBuiltins</c>). The
/// client names Parallax.dll as their assembly; the engine has it loaded already.
/// </summary>
internal static class BuiltinStubs
{
    /// <summary>(rows, columns) of an array variable (columns 1 for a vector), or (-1, -1) when it is not an array object.</summary>
    public const string Shape = "parallax.shape";

    public static string AssemblyPath => typeof(BuiltinStubs).Assembly.Location;
}
