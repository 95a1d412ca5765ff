// SKELETON (engines-runtime replaces this file): the shapes the generated stubs compile against.
// Every member here is to be implemented by the Engines runtime; nothing in it is done.
namespace Parallax;

/// <summary>The outcome of a call on one or more engines, as ipyparallel's <c>AsyncResult</c>. Awaitable.</summary>
public class AsyncResult
{
    /// <summary>Gets an awaiter that completes when every target has finished.</summary>
    /// <returns>The awaiter.</returns>
    public System.Runtime.CompilerServices.TaskAwaiter GetAwaiter() => throw new NotImplementedException();

    /// <summary>Waits for every target to finish; throws the remote exception when one failed.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    public void Get(TimeSpan? timeout = null) => throw new NotImplementedException();
}

/// <summary>The outcome of a call that returns a value, as ipyparallel's <c>AsyncResult</c>. Awaitable.</summary>
/// <typeparam name="T">The result: one value for a single engine, an array for a view on several.</typeparam>
public sealed class AsyncResult<T> : AsyncResult
{
    /// <summary>Gets an awaiter for the result.</summary>
    /// <returns>The awaiter.</returns>
    public new System.Runtime.CompilerServices.TaskAwaiter<T> GetAwaiter() => throw new NotImplementedException();

    /// <summary>Waits for the result; throws the remote exception when a target failed.</summary>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <returns>The result.</returns>
    public new T Get(TimeSpan? timeout = null) => throw new NotImplementedException();
}

public sealed partial class DirectView
{
    private AsyncResult<T[]> SubmitCore<T>(EngineCall call, CancellationToken cancellationToken) => throw new NotImplementedException();

    private AsyncResult SubmitCore(EngineCall call, CancellationToken cancellationToken) => throw new NotImplementedException();

    private AsyncResult<TOut[]> SubmitMapCore<TIn, TOut>(string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

public sealed partial class EngineView
{
    private AsyncResult<T> SubmitCore<T>(EngineCall call, CancellationToken cancellationToken) => throw new NotImplementedException();

    private AsyncResult SubmitCore(EngineCall call, CancellationToken cancellationToken) => throw new NotImplementedException();
}

/// <summary>The current engine's namespace, for code that runs on an engine (ipyparallel's engine globals).</summary>
public static class Engine
{
    /// <summary>Reads variable <paramref name="name"/> from this engine's namespace.</summary>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>The value.</returns>
    public static T Get<T>(string name) => throw new NotImplementedException();

    /// <summary>Writes variable <paramref name="name"/> in this engine's namespace.</summary>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value.</param>
    public static void Set<T>(string name, T value) => throw new NotImplementedException();
}
