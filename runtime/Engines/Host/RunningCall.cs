namespace Parallax.Engines.Host;

/// <summary>The call an engine runs now, as engine code sees it through <see cref="Engine.CancellationToken"/>.</summary>
internal static class RunningCall
{
    // Async-local, so tasks the call starts see the token too; the worker resets it after each call.
    private static readonly AsyncLocal<CancellationToken> Current = new();

    public static CancellationToken Token
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}
