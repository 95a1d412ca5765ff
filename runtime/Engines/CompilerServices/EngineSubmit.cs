using System.ComponentModel;

namespace Parallax.CompilerServices;

/// <summary>
/// What the generated interceptors and <c>Remote</c> helpers call in place of a view's
/// <c>ApplyAsync</c>/<c>MapAsync</c>: they send a dispatched call with its serialized arguments.
/// Not for direct use; it lives outside the <c>Parallax</c> namespace so that <c>using Parallax;</c>
/// offers only what users call.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EngineSubmit
{
    /// <summary>Sends <paramref name="call"/> to every target of <paramref name="view"/>; each engine's result is deserialized as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="view">The engines to run on.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>One value per target, in target order.</returns>
    public static AsyncResult<T[]> Submit<T>(DirectView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore<T>(call, cancellationToken);
    }

    /// <summary>Sends <paramref name="call"/>, which returns nothing, to every target of <paramref name="view"/>.</summary>
    /// <param name="view">The engines to run on.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>A result that completes when every target has finished.</returns>
    public static AsyncResult Submit(DirectView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore(call, cancellationToken);
    }

    /// <summary>Sends <paramref name="call"/> to the engine of <paramref name="view"/>; its result is deserialized as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="view">The engine to run on.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>The engine's value.</returns>
    public static AsyncResult<T> Submit<T>(EngineView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore<T>(call, cancellationToken);
    }

    /// <summary>Sends <paramref name="call"/>, which returns nothing, to the engine of <paramref name="view"/>.</summary>
    /// <param name="view">The engine to run on.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>A result that completes when the engine has finished.</returns>
    public static AsyncResult Submit(EngineView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore(call, cancellationToken);
    }

    /// <summary>
    /// Splits <paramref name="items"/> into one contiguous block per target of <paramref name="view"/>, encodes
    /// each block's arguments with <paramref name="encodeBlock"/>, and concatenates the engines' <typeparamref name="TOut"/>[] results.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="view">The engines to run on.</param>
    /// <param name="dispatchId">The invoker's dispatch id; it receives the encoded block and returns a serialized <typeparamref name="TOut"/>[].</param>
    /// <param name="assemblyPath">The assembly that holds the invoker.</param>
    /// <param name="items">The items.</param>
    /// <param name="encodeBlock">Serializes the captured variables together with one block of items.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>One value per item, in item order.</returns>
    public static AsyncResult<TOut[]> SubmitMap<TIn, TOut>(DirectView view, string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitMapCore<TIn, TOut>(dispatchId, assemblyPath, items, encodeBlock, cancellationToken);
    }

    /// <summary>As the <see cref="DirectView"/> overload, every item on the engine of <paramref name="view"/>.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="view">The engine to run on.</param>
    /// <param name="dispatchId">The invoker's dispatch id.</param>
    /// <param name="assemblyPath">The assembly that holds the invoker.</param>
    /// <param name="items">The items.</param>
    /// <param name="encodeBlock">Serializes the captured variables together with the items.</param>
    /// <param name="cancellationToken">Stops the call (<see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>One value per item, in item order.</returns>
    public static AsyncResult<TOut[]> SubmitMap<TIn, TOut>(EngineView view, string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.AsDirectView.SubmitMapCore<TIn, TOut>(dispatchId, assemblyPath, items, encodeBlock, cancellationToken);
    }

    /// <summary>Runs <paramref name="call"/> on one engine of <paramref name="view"/>, the least loaded; its result is deserialized as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="view">The task farm.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>The engine's value.</returns>
    public static AsyncResult<T> Submit<T>(LoadBalancedView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore<T>(call, cancellationToken);
    }

    /// <summary>Runs <paramref name="call"/>, which returns nothing, on one engine of <paramref name="view"/>, the least loaded.</summary>
    /// <param name="view">The task farm.</param>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>A result that completes when the engine has finished.</returns>
    public static AsyncResult Submit(LoadBalancedView view, EngineCall call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitCore(call, cancellationToken);
    }

    /// <summary>
    /// Runs one task per item of <paramref name="items"/> on the engines of <paramref name="view"/>, in chunks
    /// that <paramref name="encodeBlock"/> encodes; the invoker runs each chunk through <see cref="EngineTasks.RunEach"/>.
    /// The optional parameters are the view's <c>MapAsync</c> parameters, passed on by name.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="view">The task farm.</param>
    /// <param name="dispatchId">The invoker's dispatch id.</param>
    /// <param name="assemblyPath">The assembly that holds the invoker.</param>
    /// <param name="items">The items.</param>
    /// <param name="encodeBlock">Serializes the captured variables together with one chunk of items.</param>
    /// <param name="chunkSize">Tasks per chunk; 0 chooses.</param>
    /// <param name="ordered">Whether results stream in input order.</param>
    /// <param name="retries">Retries after an engine died; null takes the view's.</param>
    /// <param name="timeout">How long one task may run; null takes the view's.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Stops the map.</param>
    /// <returns>The map's results.</returns>
    public static AsyncMapResult<TOut> SubmitMap<TIn, TOut>(LoadBalancedView view, string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, int chunkSize = 0, bool ordered = true, int? retries = null, TimeSpan? timeout = null, IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        return view.SubmitMapCore<TIn, TOut>(dispatchId, assemblyPath, items, encodeBlock, chunkSize, ordered, retries, timeout, progress, cancellationToken);
    }
}
