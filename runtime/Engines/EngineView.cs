namespace Parallax;

/// <summary>
/// A view on one engine, as ipyparallel's <c>cl[0]</c>: calls return the single value instead of an array.
/// </summary>
public sealed partial class EngineView
{
    /// <summary>Runs <paramref name="function"/> on the engine without waiting.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call: dropped if the engine has not started it, signalled through <see cref="Engine.CancellationToken"/> if it runs (see <see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>An awaitable result holding the engine's value.</returns>
    public AsyncResult<T> ApplyAsync<T>(Func<T> function, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="function"/> on the engine and waits.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>The engine's value.</returns>
    public T ApplySync<T>(Func<T> function) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Runs <paramref name="action"/> on the engine without waiting.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call: dropped if the engine has not started it, signalled through <see cref="Engine.CancellationToken"/> if it runs (see <see cref="AsyncResult.Cancel"/>).</param>
    /// <returns>An awaitable result that completes when the engine has finished.</returns>
    public AsyncResult ApplyAsync(Action action, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="action"/> on the engine and waits.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    public void ApplySync(Action action) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Applies <paramref name="function"/> to every item on this engine, as ipyparallel's <c>map</c> on a one-engine view. Results come back in item order.</summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items.</param>
    /// <param name="cancellationToken">Stops the call: dropped if the engine has not started it, signalled through <see cref="Engine.CancellationToken"/> if it runs (see <see cref="AsyncResult.Cancel"/>).</param>
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
