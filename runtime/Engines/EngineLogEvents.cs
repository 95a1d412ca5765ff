using Microsoft.Extensions.Logging;

namespace Parallax.Engines;

/// <summary>The cluster's log events, through <see cref="ClusterOptions.Logger"/>; ids are stable so that filters keep working.</summary>
internal static partial class EngineLogEvents
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Line}")]
    public static partial void EngineLine(ILogger logger, string line);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Line}")]
    public static partial void ClientWarning(ILogger logger, string line);
}
