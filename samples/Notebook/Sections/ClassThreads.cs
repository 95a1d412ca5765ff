namespace Notebook.Sections;

internal sealed class ClassThreads : Section
{
    public override string Title => "Class-based threads (class MyThread(threading.Thread))";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken) => NotYet("[Thread] classes");
}
