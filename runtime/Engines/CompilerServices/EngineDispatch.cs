using System.Collections.Concurrent;
using System.ComponentModel;

namespace Parallax.CompilerServices;

/// <summary>
/// Runs one dispatched call on an engine: reads the serialized arguments, runs the user's code,
/// and returns the serialized result (empty for a call with no result).
/// </summary>
/// <param name="arguments">The MemoryPack-serialized arguments the client sent, as the generated stub wrote them.</param>
/// <returns>The MemoryPack-serialized result, or an empty array when the call returns nothing.</returns>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate byte[] EngineInvoker(ReadOnlyMemory<byte> arguments);

/// <summary>
/// The engine-side invoker table. Generated code registers one invoker per dispatched method or
/// lambda under a stable id, from a module initializer, so an engine that loads a user's assembly can
/// run its code without reflection. Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EngineDispatch
{
    private static readonly ConcurrentDictionary<string, EngineInvoker> Invokers = new(StringComparer.Ordinal);

    /// <summary>
    /// While an engine runs the module initializers of one load of an assembly, the invokers they register
    /// (<see cref="CaptureInto"/>): two builds of one assembly, loaded for two clients, register the same ids,
    /// and each client must reach its own build's code. The shared table keeps the first of each id, for lookups without a load.
    /// </summary>
    [ThreadStatic]
    private static Dictionary<string, EngineInvoker>? capture;

    /// <summary>Registers <paramref name="invoker"/> under <paramref name="id"/>; registering the same id twice keeps the first.</summary>
    /// <param name="id">The stable dispatch id the generator computed for the method or lambda.</param>
    /// <param name="invoker">Runs the call.</param>
    public static void Register(string id, EngineInvoker invoker)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(invoker);
        Invokers.TryAdd(id, invoker);
        capture?.TryAdd(id, invoker);
    }

    /// <summary>Collects the invokers registered on this thread into <paramref name="table"/> until the result is disposed.</summary>
    internal static IDisposable CaptureInto(Dictionary<string, EngineInvoker> table)
    {
        var previous = capture;
        capture = table;
        return new CaptureScope(previous);
    }

    /// <summary>Ends a <see cref="CaptureInto"/>.</summary>
    private sealed class CaptureScope(Dictionary<string, EngineInvoker>? previous) : IDisposable
    {
        public void Dispose() => capture = previous;
    }

    /// <summary>The assemblies that hold the registered invokers (each invoker is a method of its assembly's generated code).</summary>
    internal static IEnumerable<System.Reflection.Assembly> Assemblies() => Invokers.Values.Select(i => i.Method.Module.Assembly).Distinct();

    /// <summary>Finds the invoker registered under <paramref name="id"/>.</summary>
    /// <param name="id">The dispatch id.</param>
    /// <param name="invoker">The invoker, when found.</param>
    /// <returns><see langword="true"/> when an invoker is registered under the id.</returns>
    public static bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EngineInvoker? invoker) =>
        Invokers.TryGetValue(id, out invoker);
}
