using System.ComponentModel;

namespace Parallax.CompilerServices;

/// <summary>
/// One call to dispatched code as generated stubs describe it: which invoker runs it, its serialized
/// arguments, and the assembly that holds the invoker (the engine loads it on first use).
/// </summary>
/// <param name="DispatchId">The stable id under which the generated module initializer registers the invoker.</param>
/// <param name="Arguments">The MemoryPack-serialized arguments (captured variables of a lambda, a method's parameters).</param>
/// <param name="AssemblyPath">The location of the assembly that holds the dispatched code.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct EngineCall(string DispatchId, byte[] Arguments, string AssemblyPath);
