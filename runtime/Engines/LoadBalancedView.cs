namespace Parallax;

/// <summary>
/// A task farm over engines, as ipyparallel's <c>load_balanced_view()</c>: each call or each chunk of a
/// map runs on one engine, the least loaded of the view's live engines when it is sent; a dead engine
/// is skipped and a restarted one rejoins. Cancelling stops work: queued tasks never start, running
/// ones see <see cref="Engine.CancellationToken"/> cancelled, and one that ignores it is stopped after
/// <see cref="ClusterOptions.InterruptGrace"/> by restarting its engine (<see cref="EngineRestartedException"/>).
/// </summary>
public sealed partial class LoadBalancedView
{
    // ---- Calls the generator redirects at build time. Their bodies run only when it did not. ----

    /// <summary>Runs <paramref name="function"/> on one engine, the least loaded, without waiting (ipyparallel's <c>apply_async</c>).</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call: dropped while it waits for an engine, signalled through <see cref="Engine.CancellationToken"/> while it runs.</param>
    /// <returns>An awaitable result holding the value; its <see cref="AsyncResult.EngineIds"/> names the engine once the call is sent.</returns>
    public AsyncResult<T> ApplyAsync<T>(Func<T> function, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="function"/> on one engine, the least loaded, and waits (ipyparallel's <c>apply_sync</c>).</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>The value.</returns>
    public T ApplySync<T>(Func<T> function) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Runs <paramref name="action"/> on one engine, the least loaded, without waiting.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Stops the call: dropped while it waits for an engine, signalled through <see cref="Engine.CancellationToken"/> while it runs.</param>
    /// <returns>An awaitable result that completes when the call has finished.</returns>
    public AsyncResult ApplyAsync(Action action, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="action"/> on one engine, the least loaded, and waits.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    public void ApplySync(Action action) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>
    /// Applies <paramref name="function"/> to every item as independent tasks spread over the view's live
    /// engines (ipyparallel's <c>LoadBalancedView.map</c>). Tasks travel in chunks; each chunk goes to the
    /// engine with the least outstanding work, and results stream back as chunks finish.
    /// </summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items; task i is item i.</param>
    /// <param name="chunkSize">
    /// Tasks per message. 0 (the default) chooses: chunks shrink as the map nears its end (a share of the
    /// remaining tasks per live engine) and are sized to run for about 50 ms once the first ones have
    /// been timed, so thousands of tiny tasks cost a few dozen messages and long tasks still balance.
    /// docs/engines.md has the measurement.
    /// </param>
    /// <param name="ordered">Whether <c>await foreach</c> yields results in input order (true) or as they arrive (false). The array from awaiting the map is always in input order.</param>
    /// <param name="retries">How many times a task whose engine died is sent to another engine; <see langword="null"/> takes <see cref="Retries"/>.</param>
    /// <param name="timeout">How long one task may run; <see langword="null"/> takes <see cref="Timeout"/>. A chunk of n tasks may run n times as long.</param>
    /// <param name="progress">Receives <see cref="MapProgress"/> each time a chunk finishes.</param>
    /// <param name="cancellationToken">Stops the map: queued tasks never start, running ones are signalled through <see cref="Engine.CancellationToken"/>.</param>
    /// <returns>The map's results: awaitable, enumerable with <c>await foreach</c>, with progress and <see cref="AsyncMapResult{T}.Cancel"/>.</returns>
    public AsyncMapResult<TOut> MapAsync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 0, bool ordered = true, int? retries = null, TimeSpan? timeout = null, IProgress<MapProgress>? progress = null, CancellationToken cancellationToken = default) =>
        throw NotRedirected.Create(nameof(MapAsync));

    /// <summary>As the other <c>MapAsync</c>, every option at its default.</summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items; task i is item i.</param>
    /// <param name="cancellationToken">Stops the map: queued tasks never start, running ones are signalled through <see cref="Engine.CancellationToken"/>.</param>
    /// <returns>The map's results.</returns>
    public AsyncMapResult<TOut> MapAsync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, CancellationToken cancellationToken) =>
        throw NotRedirected.Create(nameof(MapAsync));

    /// <summary>As <c>MapAsync</c>, waiting for every result.</summary>
    /// <typeparam name="TIn">The item type; must be serializable.</typeparam>
    /// <typeparam name="TOut">The result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="items">The items; task i is item i.</param>
    /// <param name="chunkSize">Tasks per message; 0 chooses (see <c>MapAsync</c>).</param>
    /// <param name="retries">How many times a task whose engine died is sent to another engine; <see langword="null"/> takes <see cref="Retries"/>.</param>
    /// <param name="timeout">How long one task may run; <see langword="null"/> takes <see cref="Timeout"/>.</param>
    /// <param name="progress">Receives <see cref="MapProgress"/> each time a chunk finishes.</param>
    /// <returns>One value per item, in item order.</returns>
    /// <exception cref="RemoteAggregateException">Tasks failed; <see cref="RemoteAggregateException.TaskIndices"/> names them.</exception>
    public TOut[] MapSync<TIn, TOut>(Func<TIn, TOut> function, IEnumerable<TIn> items, int chunkSize = 0, int? retries = null, TimeSpan? timeout = null, IProgress<MapProgress>? progress = null) =>
        throw NotRedirected.Create(nameof(MapSync));
}
