namespace Notebook.Sections;

internal sealed class NumbaArrSum : Section
{
    public override string Title => "Numba: arr_sum with @jit";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("[Jit]");
}
