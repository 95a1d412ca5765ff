using System.ComponentModel;

namespace Parallax;

/// <summary>
/// A view on one engine, as ipyparallel's <c>cl[0]</c>: calls return the single value instead of an array.
/// </summary>
public sealed partial class EngineView
{
    /// <summary>Runs <paramref name="function"/> on the engine without waiting.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>An awaitable result holding the engine's value.</returns>
    public AsyncResult<T> Apply<T>(Func<T> function) => throw NotRedirected.Create(nameof(Apply));

    /// <inheritdoc cref="Apply{T}(Func{T})"/>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Cancels waiting for the result; the engine finishes the call.</param>
    public AsyncResult<T> ApplyAsync<T>(Func<T> function, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="function"/> on the engine and waits.</summary>
    /// <typeparam name="T">The function's result type; must be serializable.</typeparam>
    /// <param name="function">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>The engine's value.</returns>
    public T ApplySync<T>(Func<T> function) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Runs <paramref name="action"/> on the engine without waiting.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    /// <returns>An awaitable result that completes when the engine has finished.</returns>
    public AsyncResult Apply(Action action) => throw NotRedirected.Create(nameof(Apply));

    /// <inheritdoc cref="Apply(Action)"/>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    /// <param name="cancellationToken">Cancels waiting for the result; the engine finishes the call.</param>
    public AsyncResult ApplyAsync(Action action, CancellationToken cancellationToken = default) => throw NotRedirected.Create(nameof(ApplyAsync));

    /// <summary>Runs <paramref name="action"/> on the engine and waits.</summary>
    /// <param name="action">A lambda or method group; its captured variables travel as arguments.</param>
    public void ApplySync(Action action) => throw NotRedirected.Create(nameof(ApplySync));

    /// <summary>Sends <paramref name="call"/> to the engine; its result is deserialized as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Cancels waiting for the result.</param>
    /// <returns>The engine's value.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public AsyncResult<T> Submit<T>(EngineCall call, CancellationToken cancellationToken = default) => SubmitCore<T>(call, cancellationToken);

    /// <summary>Sends <paramref name="call"/>, which returns nothing, to the engine.</summary>
    /// <param name="call">The dispatched call.</param>
    /// <param name="cancellationToken">Cancels waiting for the result.</param>
    /// <returns>A result that completes when the engine has finished.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public AsyncResult Submit(EngineCall call, CancellationToken cancellationToken = default) => SubmitCore(call, cancellationToken);
}
