using System.Diagnostics;
using Notebook;
using Notebook.Sections;

// The seed notebook (IPython's parallel client, threading, the GIL, Numba), section by section.
var options = NotebookOptions.Parse(args);
Section[] sections =
[
    new LocalMatrices(),
    new ParallelClient(),
    new FunctionalThreads(),
    new ClassThreads(),
    new TimerSection(),
    new DaemonSection(),
    new GilExperiment(),
    new NumbaArrSum(),
];

Console.WriteLine($"Parallax notebook: {Environment.ProcessorCount} cores, .NET {Environment.Version}{(options.Quick ? ", quick sizes" : "")}");
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
foreach (var section in sections)
{
    if (options.Only is { } only && !section.GetType().Name.Contains(only, StringComparison.OrdinalIgnoreCase))
    {
        continue;
    }

    Console.WriteLine();
    Console.WriteLine($"## {section.Title}");
    var clock = Stopwatch.StartNew();
    await section.RunAsync(options, cts.Token);
    Console.WriteLine($"  section time: {clock.Elapsed.TotalMilliseconds:F0} ms");
}
