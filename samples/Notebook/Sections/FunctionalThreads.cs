namespace Notebook.Sections;

internal sealed class FunctionalThreads : Section
{
    public override string Title => "Functional threads (Thread(target=prescript, args=...))";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("[Thread] factories");
}
