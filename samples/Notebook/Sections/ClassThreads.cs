using Parallax;

namespace Notebook.Sections;

/// <summary>
/// The seed's <c>class MyThread(threading.Thread)</c>. System.Threading.Thread is sealed, so [Thread]
/// adds Start, Join, IsAlive, Name, Ident and IsDaemon to the class; Name is set in the constructor,
/// as the seed's <c>super().__init__(name="threddy" + num)</c>.
/// </summary>
[Thread]
internal sealed partial class MyThread
{
    private readonly ManualResetEventSlim? _hold;

    public MyThread(string num, ManualResetEventSlim? hold = null)
    {
        Name = "threddy" + num;
        Num = num;
        _hold = hold;
    }

    public string Num { get; }

    private void Run()
    {
        Console.WriteLine($"  Thread  {Num} (current thread: {Threads.Current.Name}, ident {Threads.Current.Ident})");

        // Held only so the section can look at live threads; the seed's run() just prints.
        _hold?.Wait();
    }
}

internal sealed class ClassThreads : Section
{
    public override string Title => "Class-based threads (class MyThread(threading.Thread))";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        var thread1 = new MyThread("1");
        var thread2 = new MyThread("2");
        thread1.Start();
        thread2.Start();
        thread1.Join();
        thread2.Join();

        // current_thread(), active_count(), enumerate(), is_alive(), name, ident — on threads that are running.
        using var hold = new ManualResetEventSlim();
        var held = new[] { new MyThread("3", hold), new MyThread("4", hold) };
        foreach (var t in held)
        {
            t.Start();
        }

        Console.WriteLine($"  current_thread(): {Threads.Current.Name}");
        Console.WriteLine($"  active_count():   {Threads.ActiveCount}");
        Console.WriteLine($"  enumerate():      {string.Join(", ", Threads.Enumerate().Select(t => t.Name))}");
        Console.WriteLine($"  {held[0].Name}: is_alive() {held[0].IsAlive}, ident {held[0].Ident}, daemon {held[0].IsDaemon}");
        held[0].Name = "renamed";
        Console.WriteLine($"  setName('renamed') -> {held[0].Name}");
        hold.Set();
        foreach (var t in held)
        {
            t.Join();
        }

        Console.WriteLine($"  after join: is_alive() {held[0].IsAlive}, ident still {held[0].Ident}");

        // The seed then calls thread1.start() a second time; Python raises RuntimeError, .NET the same in its terms.
        try
        {
            thread1.Start();
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"  thread1.Start() again: {e.GetType().Name}: {e.Message}");
        }

        return Task.CompletedTask;
    }
}
