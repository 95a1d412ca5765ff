namespace Notebook.Sections;

internal sealed class LocalMatrices : Section
{
    public override string Title => "1. Multiply the matrices on the local computer (np.dot)";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("Linalg.Dot");
}
