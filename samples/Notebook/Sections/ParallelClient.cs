namespace Notebook.Sections;

internal sealed class ParallelClient : Section
{
    public override string Title => "2. Multiply on IPython's parallel client (engines)";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("Engines (Cluster, Client, DirectView)");
}
