using System.Runtime.InteropServices;

namespace Parallax.Cli;

/// <summary>Signals that stop a long-running command the ordered way (its children stopped, its records removed) instead of ending the process.</summary>
internal sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration[] registrations;

    private StopSignals(PosixSignalRegistration[] registrations) => this.registrations = registrations;

    /// <summary>Cancels <paramref name="stop"/>, saying so in <paramref name="log"/>, on each of <paramref name="signals"/>, until disposed.</summary>
    public static StopSignals Cancel(CancellationTokenSource stop, LineLogger log, params PosixSignal[] signals) =>
        new([.. signals.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            log.Write($"{context.Signal}: stopping");
            stop.Cancel();
        }))]);

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }
    }
}
