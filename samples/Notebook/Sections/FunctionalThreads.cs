using System.Text;
using Parallax;

namespace Notebook.Sections;

/// <summary>The seed's <c>Thread(target=prescript, args=('f1.txt', 200,))</c>: two threads writing two files.</summary>
internal sealed partial class FunctionalThreads : Section
{
    public override string Title => "Functional threads (Thread(target=prescript, args=...))";

    /// <summary>The seed's target function: fills a text file with num lines, long or short words by num.</summary>
    [Thread]
    internal static void Prescript(string thefile, int num)
    {
        // UTF-8 without a byte-order mark, as Python 3 writes by default on Linux.
        using var f = new StreamWriter(thefile, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        for (int i = 0; i < num; i++)
        {
            f.Write(num > 500 ? "МногоБукв\n" : "МалоБукв\n");
        }
    }

    /// <summary>Where the sections write their files: a folder in the temp directory, printed by each section.</summary>
    internal static string OutputDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "parallax-notebook");
        Directory.CreateDirectory(directory);
        return directory;
    }

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        var directory = OutputDirectory();
        string f1 = Path.Combine(directory, "f1.txt");
        string f2 = Path.Combine(directory, "f2.txt");

        // thread1 = Thread(target=prescript, args=('f1.txt', 200,)) ...
        var thread1 = PrescriptThread(f1, 200);
        var thread2 = PrescriptThread(f2, 1000);
        Console.WriteLine($"  created {thread1.Name} and {thread2.Name}, alive: {thread1.IsAlive}");

        thread1.Start();
        thread2.Start();
        thread1.Join();
        thread2.Join();

        foreach (var file in new[] { f1, f2 })
        {
            var lines = File.ReadAllLines(file, Encoding.UTF8);
            Console.WriteLine($"  {file}: {lines.Length} lines of '{lines[0]}', {new FileInfo(file).Length} bytes of UTF-8");
        }

        return Task.CompletedTask;
    }
}
