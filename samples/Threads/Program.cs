using Notebook;
using Notebook.Sections;

// The seed's threading sections: functional and class-based threads, introspection, the timer, daemons.
//   dotnet run --project samples/Threads [-- --quick] [--section NAME]
if (args is ["--exit-probe", var kind])
{
    return ExitProbe.Run(kind);
}

Section[] sections = [new FunctionalThreads(), new ClassThreads(), new TimerSection(), new DaemonSection()];
var cli = new CommandLine("dotnet run --project samples/Threads --", "The seed's threading sections: functional and class-based threads, introspection, the timer, daemons.")
    .Flag("--quick", NotebookOptions.QuickHelp)
    .Sections(sections.Select(s => (s.GetType().Name, s.Title)));
if (cli.Parse(args) is { } exit)
{
    return exit;
}

var options = new NotebookOptions(cli.Has("--quick"), cli["--section"]);
Console.WriteLine($"Parallax threads: {Environment.ProcessorCount} cores, .NET {Environment.Version}{(options.Quick ? ", quick sizes" : "")}");
await Section.RunAsync(sections.Where(s => cli.Runs(s.GetType().Name)), options, CancellationToken.None);

return 0;
