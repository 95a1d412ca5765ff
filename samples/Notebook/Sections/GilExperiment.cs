namespace Notebook.Sections;

internal sealed class GilExperiment : Section
{
    public override string Title => "The GIL experiment (factorial(100000) on one and two threads)";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("the Threads capability");
}
