using Parallax;

namespace Notebook.Sections;

/// <summary>
/// The seed's daemon threads (<c>Thread(..., daemon=True)</c>): a daemon does not keep the program
/// alive. A heartbeat shows a daemon at work, and is stopped before the section ends so that it does
/// not wake a core during the GIL timings that follow; a second daemon blocks for ever, costing no CPU,
/// and the notebook ends anyway. (samples/Threads --exit-probe shows the same in a process of its
/// own, and a foreground thread keeping one alive.)
/// </summary>
internal sealed partial class DaemonSection : Section
{
    private static int s_beats;

    public override string Title => "Daemon threads";

    [Daemon("heartbeat")]
    internal static void Heartbeat(TimeSpan period, ManualResetEventSlim stop)
    {
        while (!stop.Wait(period))
        {
            Interlocked.Increment(ref s_beats);
        }
    }

    [Daemon("sleeper")]
    internal static void Forever() => Thread.Sleep(Timeout.Infinite);

    public override async Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        using var stop = new ManualResetEventSlim();
        var heartbeat = HeartbeatThread(TimeSpan.FromMilliseconds(10), stop);
        var sleeper = ForeverThread();
        Console.WriteLine($"  {heartbeat.Name}: isDaemon() {heartbeat.IsDaemon}; {sleeper.Name}: isDaemon() {sleeper.IsDaemon}");
        heartbeat.Start();
        sleeper.Start();
        try
        {
            await Task.Delay(options.Quick ? 100 : 1000, cancellationToken);
            Console.WriteLine($"  {Volatile.Read(ref s_beats)} beats so far; heartbeat alive: {heartbeat.IsAlive}");
        }
        finally
        {
            // Stopped here, not left to the end of the process: later sections time threads on these cores.
            stop.Set();
            await heartbeat.JoinAsync(CancellationToken.None);
        }

        Console.WriteLine($"  heartbeat stopped (alive: {heartbeat.IsAlive}). {sleeper.Name} never returns and uses no CPU; the notebook still ends: the process does not wait for daemons.");
    }
}
