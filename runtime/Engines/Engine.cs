namespace Parallax;

/// <summary>
/// The current engine's namespace, for code that runs on an engine (ipyparallel's engine globals):
/// what a client pushed or scattered, and what earlier calls set. Values pushed by a client are kept
/// serialized and deserialized on the first <see cref="Get{T}"/>.
/// </summary>
public static class Engine
{
    /// <summary>Gets the id of the engine this code runs on (0, 1, … as in the client's <c>Ids</c>).</summary>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static int Id => Engines.Host.EngineNamespace.Current.EngineId;

    /// <summary>
    /// Gets the running call's cancellation token: cancelled when the client cancels the call (its token,
    /// <see cref="AsyncResult.Cancel"/>, <see cref="AsyncMapResult{T}.Cancel"/>) or a task's timeout passes.
    /// Long-running engine code checks it (<c>Engine.CancellationToken.ThrowIfCancellationRequested()</c>,
    /// or passes it on); code that ignores it is stopped after <see cref="ClusterOptions.InterruptGrace"/>
    /// by restarting its engine. <see cref="CancellationToken.None"/> outside a call.
    /// </summary>
    public static CancellationToken CancellationToken => Engines.Host.RunningCall.Token;

    /// <summary>Gets whether the calling code runs inside an engine process.</summary>
    public static bool IsEngine => Engines.Host.EngineNamespace.CurrentOrNull is not null;

    /// <summary>Reads variable <paramref name="name"/> from this engine's namespace.</summary>
    /// <typeparam name="T">The variable's type: the type it was pushed or set with.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">The engine has no variable of that name.</exception>
    /// <exception cref="InvalidCastException">The variable holds a value of another type.</exception>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static T Get<T>(string name) => Engines.Host.EngineNamespace.Current.Get<T>(name);

    /// <summary>Writes variable <paramref name="name"/> in this engine's namespace, replacing any value it had.</summary>
    /// <typeparam name="T">The variable's type; must be serializable for a client to pull it.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value.</param>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static void Set<T>(string name, T value) => Engines.Host.EngineNamespace.Current.Set(name, value);

    /// <summary>Tells whether this engine's namespace has variable <paramref name="name"/>.</summary>
    /// <param name="name">The variable's name.</param>
    /// <returns><see langword="true"/> when the variable exists.</returns>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static bool Contains(string name) => Engines.Host.EngineNamespace.Current.Contains(name);

    /// <summary>Removes variable <paramref name="name"/> from this engine's namespace.</summary>
    /// <param name="name">The variable's name.</param>
    /// <returns><see langword="true"/> when the variable existed.</returns>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static bool Remove(string name) => Engines.Host.EngineNamespace.Current.Remove(name);
}
