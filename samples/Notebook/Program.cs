using Notebook;
using Notebook.Sections;

// The seed notebook (IPython's parallel client, threading, the GIL, Numba), section by section.
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
var cli = new CommandLine("dotnet run --project samples/Notebook -c Release --", "The seed notebook in C#, section by section, with timings (N = 5000 matrices, 10M-element arrays).")
    .Flag("--quick", NotebookOptions.QuickHelp)
    .Flag("--anchors", "Measure the Python anchors (numpy, numba, ipyparallel) in this run instead of quoting FIGURES.md.")
    .Sections(sections.Select(s => (s.GetType().Name, s.Title)));
if (cli.Parse(args) is { } exit)
{
    return exit;
}

var options = new NotebookOptions(cli.Has("--quick"), cli["--section"]) { Anchors = cli.Has("--anchors") };

Console.WriteLine($"Parallax notebook: {Environment.ProcessorCount} cores, .NET {Environment.Version}{(options.Quick ? ", quick sizes" : "")}");
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
await Section.RunAsync(sections.Where(s => cli.Runs(s.GetType().Name)), options, cts.Token);

return 0;
