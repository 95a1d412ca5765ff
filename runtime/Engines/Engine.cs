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

    /// <summary>
    /// Reads matrix variable <paramref name="name"/> where it lies, without a copy: a <c>T[,]</c> a client
    /// pushed through shared memory is read in the mapping every engine shares (checked against its
    /// signed tag on the first read), one written with <see cref="SetMatrix{T}"/> in its segment, one set
    /// as an array in the array. What <see cref="Linalg"/> takes, so that
    /// <c>Linalg.Dot(Engine.GetMatrix&lt;double&gt;("a"), Engine.GetMatrix&lt;double&gt;("b"))</c> copies
    /// nothing; the generator rewrites <c>Engine.Get&lt;double[,]&gt;("a")</c> passed to <c>Linalg.Dot</c>
    /// or <c>Linalg.Gemm</c> in engine lambdas into this. <see cref="Get{T}"/> with <c>T[,]</c> still gives
    /// a real array (a copy, made once).
    /// </summary>
    /// <typeparam name="T">The element type: the variable is a <c>T[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>
    /// A read-only view. It lasts while the variable holds this value: after the variable is replaced or
    /// removed it throws <see cref="ObjectDisposedException"/>, and after it is read as an array it does so
    /// once the call ends; its memory is never unmapped while a product reads it.
    /// </returns>
    /// <exception cref="KeyNotFoundException">The engine has no variable of that name.</exception>
    /// <exception cref="InvalidCastException">The variable is not a <c>T[,]</c>.</exception>
    /// <exception cref="System.Security.SecurityException">The pushed bytes changed in shared memory after the signed push.</exception>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static ReadOnlyMatrixSpan<T> GetMatrix<T>(string name) where T : unmanaged => Engines.Host.EngineNamespace.Current.GetMatrix<T>(name);

    /// <summary>
    /// Makes variable <paramref name="name"/> a new <c>T[rows, columns]</c> of zeros and returns its elements to
    /// write in place. A matrix at least <c>ClusterOptions.SharedMemoryThreshold</c> bytes large lies in a
    /// shared-memory segment of this engine, which a client's pull maps where it lies (the engine copies
    /// nothing), e.g. <c>Linalg.Dot(a, b, Engine.SetMatrix&lt;double&gt;("c", n, n))</c>; a smaller one is an array.
    /// <see cref="Get{T}"/> with <c>T[,]</c> reads it as an array (a copy).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The variable's name; its old value is replaced now.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <returns>The new matrix, writable until the variable is replaced or removed and the call ends.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="InvalidOperationException">The code does not run on an engine.</exception>
    public static MatrixSpan<T> SetMatrix<T>(string name, int rows, int columns) where T : unmanaged =>
        Engines.Host.EngineNamespace.Current.SetMatrix<T>(name, rows, columns, clear: true);

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
