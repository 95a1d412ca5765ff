using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines;
using Parallax.Engines.Transport;

namespace Parallax;

public sealed partial class EngineView
{
    private readonly DirectView view;

    internal EngineView(Client client, int engineId)
    {
        EngineId = engineId;
        view = new DirectView(client, [engineId]);
    }

    /// <summary>Gets the one-target view the engine view's calls go through.</summary>
    internal DirectView AsDirectView => view;

    /// <summary>Gets the engine this view runs on.</summary>
    public int EngineId { get; }

    /// <summary>Sets variable <paramref name="name"/> on the engine.</summary>
    /// <param name="name">The variable's name.</param>
    public object this[string name]
    {
        set => view[name] = value;
    }

    /// <summary>Pushes variables to the engine: an anonymous object's properties or a dictionary's entries.</summary>
    /// <param name="variables">An anonymous object (<c>new { a, b }</c>) or a dictionary of names to values.</param>
    public void PushSync(object variables) => view.PushSync(variables);

    /// <inheritdoc cref="PushSync(object)"/>
    /// <param name="variables">An anonymous object (<c>new { a, b }</c>) or a dictionary of names to values.</param>
    /// <param name="cancellationToken">Stops waiting; the engine finishes storing.</param>
    /// <returns>A task that completes when the engine has stored the variables.</returns>
    public Task PushAsync(object variables, CancellationToken cancellationToken = default) => view.PushAsync(variables, cancellationToken);

    /// <summary>Pushes one typed variable to the engine.</summary>
    /// <typeparam name="T">The type the engine reads it as.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value.</param>
    public void PushSync<T>(string name, T value) => view.PushSync(name, value);

    /// <inheritdoc cref="PushSync{T}(string, T)"/>
    /// <typeparam name="T">The type the engine reads it as.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Stops waiting; the engine finishes storing.</param>
    /// <returns>A task that completes when the engine has stored the variable.</returns>
    public Task PushAsync<T>(string name, T value, CancellationToken cancellationToken = default) => view.PushAsync(name, value, cancellationToken);

    /// <summary>Reads variable <paramref name="name"/> from the engine.</summary>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>The value.</returns>
    public T PullSync<T>(string name) => view.PullSync<T>(name)[0];

    /// <inheritdoc cref="PullSync{T}(string)"/>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<T> PullAsync<T>(string name, CancellationToken cancellationToken = default) =>
        (await view.PullAsync<T>(name, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Reads variable <paramref name="name"/> from the engine into an array the caller already has, of the engine's shape.</summary>
    /// <typeparam name="TArray">A one- or two-dimensional array of a primitive type, e.g. <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="destination">The array to fill.</param>
    /// <exception cref="InvalidOperationException">The engine's array has another shape; nothing is written.</exception>
    public void PullIntoSync<TArray>(string name, TArray destination) where TArray : class => view.PullIntoSync(name, [destination]);

    /// <inheritdoc cref="PullIntoSync{TArray}(string, TArray)"/>
    /// <typeparam name="TArray">A one- or two-dimensional array of a primitive type, e.g. <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="destination">The array to fill.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the array is filled.</returns>
    public Task PullIntoAsync<TArray>(string name, TArray destination, CancellationToken cancellationToken = default) where TArray : class =>
        view.PullIntoAsync(name, [destination], cancellationToken);

    internal AsyncResult<T> SubmitCore<T>(EngineCall call, CancellationToken cancellationToken)
    {
        var result = new AsyncResult<T>([EngineId], cancellationToken, static data => LargeArrays.Deserialize<T>(data), static parts => (T)parts[0]!);
        view.SendCall(result, call);
        return result;
    }

    internal AsyncResult SubmitCore(EngineCall call, CancellationToken cancellationToken)
    {
        var result = AsyncResult.ForAction([EngineId], cancellationToken);
        view.SendCall(result, call);
        return result;
    }
}
