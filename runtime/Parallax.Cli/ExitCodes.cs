namespace Parallax.Cli;

/// <summary>The tool's exit codes (docs/engines.md lists them).</summary>
internal static class ExitCodes
{
    /// <summary>Done: started, stopped, listed, or asked to stop a profile that was not running.</summary>
    public const int Ok = 0;

    /// <summary>The engines did not start, or a daemon did not stop.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>Start of a profile that is running already; nothing was changed.</summary>
    public const int AlreadyRunning = 3;
}
