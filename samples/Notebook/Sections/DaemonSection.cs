namespace Notebook.Sections;

internal sealed class DaemonSection : Section
{
    public override string Title => "Daemon threads";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("[Daemon] threads");
}
