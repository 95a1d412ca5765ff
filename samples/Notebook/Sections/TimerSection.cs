namespace Notebook.Sections;

internal sealed class TimerSection : Section
{
    public override string Title => "Timer (threading.Timer(5.0, f))";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("ThreadTimer");
}
