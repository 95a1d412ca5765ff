namespace Parallax;

public sealed partial class EngineView
{
    /// <summary>Runs C# <paramref name="code"/> on the engine without waiting; see <see cref="DirectView.ExecuteAsync"/>.</summary>
    /// <param name="code">C# statements and declarations, as in a .csx script.</param>
    /// <param name="cancellationToken">Stops waiting; the engine finishes the code.</param>
    /// <returns>A result that completes when the engine has run the code; it fails with a
    /// <see cref="ScriptCompilationException"/> (nothing ran) or a <see cref="RemoteException"/>.</returns>
    public AsyncResult ExecuteAsync(string code, CancellationToken cancellationToken = default) => view.ExecuteAsync(code, cancellationToken);

    /// <summary>Runs C# <paramref name="code"/> on the engine and waits: <see cref="ExecuteAsync"/>, blocking.</summary>
    /// <param name="code">C# statements and declarations, as in a .csx script.</param>
    /// <exception cref="ScriptCompilationException">The code does not compile on the engine; it did not run.</exception>
    /// <exception cref="RemoteException">The code threw on the engine.</exception>
    /// <exception cref="EngineDiedException">The engine's process ended before it answered.</exception>
    public void ExecuteSync(string code) => view.ExecuteSync(code);
}
