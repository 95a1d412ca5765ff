using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Parallax.Cli;

/// <summary>The daemon's log: one time-stamped line per event on stderr (the profile's cluster.log once the daemon is detached).</summary>
internal sealed class LineLogger : ILogger
{
    private readonly Lock gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Write($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }

    public void Write(string line)
    {
        lock (gate)
        {
            Console.Error.WriteLine($"{DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)} {line}");
        }
    }
}
