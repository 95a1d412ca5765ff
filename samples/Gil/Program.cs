using System.Diagnostics;
using System.Text.Json;
using Notebook;
using Notebook.Sections;

// The GIL experiment: factorial(100000) once on one thread against twice on two threads, the seed's
// running product and a product tree, then the running product under GC settings that take its
// garbage off the large object heap, or keep the memory the GC gives up. GC settings are fixed when
// a process starts, so each one runs in a child process of this same program, next to a child with
// no settings at all as the control.
//   dotnet run --project samples/Gil -c Release [-- --quick] [--reps N]
const string ResultPrefix = "RESULT ";
var cli = new CommandLine("dotnet run --project samples/Gil -c Release --", "The GIL experiment: factorial(100000) on one thread against two threads, then under GC settings in child processes.")
    .Flag("--quick", NotebookOptions.QuickHelp)
    .Valued("--reps", "N", "Repetitions of each measurement (default 3, 1 with --quick).", n => int.TryParse(n, out int r) && r > 0 ? null : "not a positive whole number")
    .Flag("--child-naive", "Run as one of this program's child processes.", hidden: true);
if (cli.Parse(args) is { } exit)
{
    return exit;
}

var options = new NotebookOptions(cli.Has("--quick"), Only: null);
int reps = cli["--reps"] is { } r ? int.Parse(r) : options.Quick ? 1 : 3;

if (cli.Has("--child-naive"))
{
    var result = GilExperiment.Measure("naive running product", GilExperiment.FactorialThread, options.Factorial, reps);
    Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result));
    return 0;
}

Console.WriteLine($"Parallax GIL experiment: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
var rows = GilExperiment.RunAndPrint(options, CancellationToken.None);

Console.WriteLine();
Console.WriteLine("  the naive running product in child processes, without and with GC settings:");
(string What, (string Name, string Value)[] Environment)[] settings =
[
    ("no settings (the control for the rows below)", []),
    ("LOH threshold 4 MB, gen0 budget 256 MB", [("DOTNET_GCLOHThreshold", "0x400000"), ("DOTNET_GCgen0size", "0x10000000")]),
    ("Server GC", [("DOTNET_gcServer", "1")]),
    ("GCRetainVM (keep memory the GC gives up)", [("DOTNET_GCRetainVM", "1")]),
];
var children = new List<(string What, GilExperiment.Result Result)>();
foreach (var (what, environment) in settings)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    // Under 'dotnet Gil.dll' the process is dotnet itself and the program is the first argument.
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        start.ArgumentList.Add(typeof(GilExperiment).Assembly.Location);
    }

    foreach (var arg in args.Append("--child-naive"))
    {
        start.ArgumentList.Add(arg);
    }

    foreach (var (name, value) in environment)
    {
        start.Environment[name] = value;
    }

    using var child = Process.Start(start)!;
    string output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
    if (child.ExitCode != 0 || line is null)
    {
        Console.WriteLine($"  {what}: the child failed (exit code {child.ExitCode}):{Environment.NewLine}{output}");
        return 1;
    }

    var result = JsonSerializer.Deserialize<GilExperiment.Result>(line[ResultPrefix.Length..])!;
    children.Add((what, result));
    Console.WriteLine($"  {what}:");
    Console.WriteLine($"  {result}");
}

Console.WriteLine();
Explain(rows.Calibration, [rows.Calibration, rows.Multiply, rows.Naive, rows.Tree], children);
Console.WriteLine($"  load average after: {LoadAverage()} (2 cores; above 2 other processes compete for them and no speed-up can reach 2x)");
return 0;

// What the child rows show, read from their figures rather than written in advance: each is compared
// with the control, which ran the same loop the same way with no settings.
static void Explain(GilExperiment.Result calibration, GilExperiment.Result[] inProcess, List<(string What, GilExperiment.Result Result)> children)
{
    var control = children[0].Result;
    Console.WriteLine($"  against the control (speed-up {control.SpeedUp:F2}x, calibration {calibration.SpeedUp:F2}x), per one-thread run:");
    foreach (var (what, result) in children.Skip(1))
    {
        Console.WriteLine(
            $"  - {what}: {Ratio(result.One, control.One)} the time, {Ratio(result.CostOne.PageFaults, control.CostOne.PageFaults)} the page faults, "
            + $"{Ratio(result.CostOne.Kernel, control.CostOne.Kernel)} the kernel CPU, {Ratio(result.CostOne.Gen2, control.CostOne.Gen2)} the gen2 collections; speed-up {result.SpeedUp:F2}x");
    }

    var retain = children[^1].Result;
    if (control.CostOne.Gen2 < 1 || control.CostOne.PageFaults < 10_000)
    {
        // factorial(20000) (--quick) keeps every product below the LOH threshold.
        Console.WriteLine("  the control made no gen2 collections and few page faults at this size: there is nothing for these settings to remove.");
    }
    else if (retain.CostOne.PageFaults >= 0)
    {
        double left = retain.CostOne.PageFaults / control.CostOne.PageFaults;
        Console.WriteLine(left < 0.5
            ? $"  GCRetainVM removed most page faults ({left:P0} left): they came from memory the GC released to the OS and took back."
            : $"  GCRetainVM left {left:P0} of the page faults: it keeps address space the GC releases, but after each gen2 collection the GC"
              + " still decommits the LOH pages it freed inside the heap and commits them again, so every page is faulted in anew."
              + " Only keeping the products off the LOH (the LOH threshold row) stops that.");
    }

    foreach (var (what, result) in inProcess.Select(r => (r.Variant, r)).Concat(children))
    {
        double steal = Math.Max(result.CostOne.Steal, result.CostTwo.Steal / 2);
        if (steal > 0.1 * Math.Min(result.One, result.Two))
        {
            Console.WriteLine($"  {what}: the host took {result.CostOne.Steal:F2} s (1 thread) / {result.CostTwo.Steal:F2} s (2 threads) of CPU from this VM per run: its times measure the host too; run again when it is quieter.");
        }
    }
}

static string Ratio(double value, double control) =>
    value < 0 || control <= 0 ? "n/a of" : $"{value / control:P0} of";

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
