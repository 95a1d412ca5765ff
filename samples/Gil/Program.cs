using System.Diagnostics;
using Notebook;
using Notebook.Sections;

// The GIL experiment: factorial(100000) once on one thread against twice on two threads, the seed's
// running product and a product tree, then the running product under GC settings that take its
// garbage off the large object heap. GC settings are fixed when a process starts, so each one runs
// in a child process of this same program.
//   dotnet run --project samples/Gil -c Release [-- --quick] [--reps N]
var options = NotebookOptions.Parse(args);
int reps = args.SkipWhile(a => a != "--reps").Skip(1).Select(int.Parse).FirstOrDefault(options.Quick ? 1 : 3);

if (args.Contains("--child-naive"))
{
    Console.WriteLine(GilExperiment.Measure("naive running product", GilExperiment.FactorialThread, options.Factorial, reps));
    return 0;
}

Console.WriteLine($"Parallax GIL experiment: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
await new GilExperiment().RunAsync(options with { }, CancellationToken.None);

Console.WriteLine();
Console.WriteLine("  the naive running product under other GC settings (each in a child process):");
(string What, (string Name, string Value)[] Environment)[] settings =
[
    ("LOH threshold 4 MB, gen0 budget 256 MB", [("DOTNET_GCLOHThreshold", "0x400000"), ("DOTNET_GCgen0size", "0x10000000")]),
    ("Server GC", [("DOTNET_gcServer", "1")]),
];
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
    string line = (await child.StandardOutput.ReadToEndAsync()).Trim();
    await child.WaitForExitAsync();
    Console.WriteLine($"  {what}:");
    Console.WriteLine($"  {line}");
}

Console.WriteLine($"  load average after: {LoadAverage()} (2 cores; above 2 other processes compete for them and no speed-up can reach 2x)");
return 0;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
