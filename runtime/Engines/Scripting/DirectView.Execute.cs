using Parallax.Engines;

namespace Parallax;

public sealed partial class DirectView
{
    /// <summary>
    /// Runs C# <paramref name="code"/> on every target without waiting, as ipyparallel's <c>execute</c>:
    /// a script (Roslyn's C# scripting) in which each engine variable the code names is in scope with the
    /// type it was pushed or set with, and after which every top-level variable the code declares or
    /// assigns is stored back into the engine's namespace (<c>"var c = Linalg.Dot(a, b);"</c> leaves
    /// <c>c</c> to pull). <c>using System; using System.Linq; using Parallax;</c> are implicit, and the
    /// assemblies this process has loaded (and those they reference) can be used. What the code writes
    /// to <see cref="Console"/> is in the result's <see cref="AsyncResult.Stdout"/> and <see cref="AsyncResult.Stderr"/>.
    /// Each engine compiles a string once and keeps it, keyed by the string and the types of the
    /// variables it uses: the same string again costs about a round trip.
    /// </summary>
    /// <param name="code">C# statements and declarations, as in a .csx script.</param>
    /// <param name="cancellationToken">Stops waiting; once the code runs, the engines finish it. Cancelled after every target compiled and before any ran, it runs nowhere.</param>
    /// <returns>A result that completes when every target has run the code. It fails with a
    /// <see cref="ScriptCompilationException"/> (and the code ran on no engine) when it does not compile
    /// on some target, with a <see cref="RemoteException"/> when it throws on a target.</returns>
    public AsyncResult ExecuteAsync(string code, CancellationToken cancellationToken = default) =>
        CodeStrings.Submit(client, targets, code, cancellationToken);

    /// <summary>Runs C# <paramref name="code"/> on every target and waits: <see cref="ExecuteAsync"/>, blocking.</summary>
    /// <param name="code">C# statements and declarations, as in a .csx script.</param>
    /// <exception cref="ScriptCompilationException">The code does not compile on some target; it ran on none.</exception>
    /// <exception cref="RemoteException">The code threw on a target.</exception>
    /// <exception cref="RemoteAggregateException">The code threw on several targets.</exception>
    /// <exception cref="EngineDiedException">A target's process ended before it answered.</exception>
    public void ExecuteSync(string code) => ExecuteAsync(code).Get();
}
