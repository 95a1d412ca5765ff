namespace Parallax;

/// <summary>
/// A view on several engines, as ipyparallel's <c>DirectView</c> (<c>cl[:]</c>, <c>cl[1:3]</c>):
/// every call runs on each target and returns one result per target, in target order.
/// </summary>
public sealed partial class DirectView
{
    // ---- Calls the generator redirects at build time. Their bodies run only when it did not. ----

    /// <summary>Runs <paramref name="function"/> on every target without waiting, as ipyparallel's <c>apply_async</c>.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call on every target: dropped where it has not started, signalled through <see cref="Engine.CancellationToken"/> where it runs (see <see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>An awaitable result holding one value per target, in target order.</returns>
    public AsyncResult<T[]> ApplyAsync<T>(Func<T> function, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="function"/> on every target and waits, as ipyparallel's <c>apply_sync</c>.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>One value per target, in target order.</returns>
    public T[] ApplySync<T>(Func<T> function) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Runs <paramref name="action"/> on every target without waiting.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call on every target: dropped where it has not started, signalled through <see cref="Engine.CancellationToken"/> where it runs (see <see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>An awaitable result that completes when every target has finished.</returns>
    public AsyncResult ApplyAsync(Action action, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="action"/> on every target and waits.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    public void ApplySync(Action action) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>
    /// Applies <paramref name="function"/> to every item, the items split into contiguous blocks over
    /// the targets, as ipyparallel's <c>DirectView.map</c>. Results come back in item order.
    /// </summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops the call on every target: dropped where it has not started, signalled through <see cref="Engine.CancellationToken"/> where it runs (see <see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>An awaitable result holding one value per item, in item order.</returns>
    public AsyncResult<TOut[]> MapAsync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(MapAsync));

    /// <summary>As <see cref="MapAsync{TIn, TOut}"/>, waiting for the results.</summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items.</param>
    /// <returns>One value per item, in item order.</returns>
    public TOut[] MapSync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items) => throw NotRedirected.Create(nameof(MapSync));
}
