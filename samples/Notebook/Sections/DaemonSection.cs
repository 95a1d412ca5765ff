using Parallax;

namespace Notebook.Sections;

/// <summary>
/// The seed's daemon threads (<c>Thread(..., daemon=True)</c>): a daemon does not keep the program
/// alive. This heartbeat never returns; the notebook ends anyway. (samples/Threads --exit-probe
/// shows the same in a process of its own, and a foreground thread keeping one alive.)
/// </summary>
internal sealed partial class DaemonSection : Section
{
    private static int s_beats;

    public override string Title => "Daemon threads";

    [Daemon("heartbeat")]
    internal static void Heartbeat(TimeSpan period)
    {
        while (true)
        {
            Thread.Sleep(period);
            Interlocked.Increment(ref s_beats);
        }
    }

    public override async Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        var daemon = HeartbeatThread(TimeSpan.FromMilliseconds(10));
        Console.WriteLine($"  {daemon.Name}: isDaemon() {daemon.IsDaemon}");
        daemon.Start();
        await Task.Delay(options.Quick ? 100 : 1000, cancellationToken);
        Console.WriteLine($"  {Volatile.Read(ref s_beats)} beats so far; still alive: {daemon.IsAlive}. It never returns, and the notebook still ends: the process does not wait for daemons.");
    }
}
