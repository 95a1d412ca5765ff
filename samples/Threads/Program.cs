using System.Diagnostics;
using Notebook;
using Notebook.Sections;

// The seed's threading sections: functional and class-based threads, introspection, the timer, daemons.
//   dotnet run --project samples/Threads [-- --quick] [--section NAME]
if (args is ["--exit-probe", var kind])
{
    return ExitProbe.Run(kind);
}

var options = NotebookOptions.Parse(args);
Section[] sections = [new FunctionalThreads(), new ClassThreads(), new TimerSection(), new DaemonSection()];
Console.WriteLine($"Parallax threads: {Environment.ProcessorCount} cores, .NET {Environment.Version}{(options.Quick ? ", quick sizes" : "")}");
foreach (var section in sections)
{
    if (options.Only is { } only && !section.GetType().Name.Contains(only, StringComparison.OrdinalIgnoreCase))
    {
        continue;
    }

    Console.WriteLine();
    Console.WriteLine($"## {section.Title}");
    var clock = Stopwatch.StartNew();
    await section.RunAsync(options, CancellationToken.None);
    Console.WriteLine($"  section time: {clock.Elapsed.TotalMilliseconds:F0} ms");
}

return 0;
