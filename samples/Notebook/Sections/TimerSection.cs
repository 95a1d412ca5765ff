using System.Diagnostics;
using Parallax;

namespace Notebook.Sections;

/// <summary>The seed's <c>threading.Timer(5.0, timer_test)</c>, created once and started wherever needed.</summary>
internal sealed class TimerSection : Section
{
    public override string Title => "Timer (threading.Timer(5.0, f))";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        var interval = options.Quick ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(5);
        var clock = Stopwatch.StartNew();
        using var tim = new ThreadTimer(interval, () => Console.WriteLine($"  The timer has done its job! ({clock.Elapsed.TotalSeconds:F2} s after start)"));
        using var stop = cancellationToken.Register(tim.Cancel);

        Console.WriteLine("  Waiting...");
        tim.Start().Join();

        // Created once, started again elsewhere: here a start that is cancelled before it fires.
        var pending = tim.Start();
        Console.WriteLine($"  started again: {tim.PendingCount} pending; cancelling");
        tim.Cancel();
        pending.Join();
        Console.WriteLine($"  after Cancel: {tim.PendingCount} pending, the callback did not run a second time");
        return Task.CompletedTask;
    }
}
