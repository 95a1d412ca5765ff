using Parallax;

/// <summary>
/// <c>--exit-probe foreground|daemon</c>: Main starts one thread and returns at once. A foreground
/// thread keeps the process alive until it finishes and prints; a daemon that never finishes does
/// not keep it alive. The runtime tests run this as a child process.
/// </summary>
internal static partial class ExitProbe
{
    public const string Finished = "worker finished after main returned";

    [Thread]
    private static void Linger(ManualResetEventSlim mainReturned)
    {
        mainReturned.Wait();
        // Long enough that the process would be gone by now if this thread did not keep it alive.
        Thread.Sleep(200);
        Console.WriteLine(Finished);
    }

    [Daemon]
    private static void Forever()
    {
        Thread.Sleep(Timeout.Infinite);
        Console.WriteLine(Finished);
    }

    public static int Run(string kind)
    {
        var mainReturned = new ManualResetEventSlim();
        var thread = kind switch
        {
            "foreground" => LingerThread(mainReturned),
            "daemon" => ForeverThread(),
            _ => null,
        };
        if (thread is null)
        {
            Console.Error.WriteLine($"unknown exit probe '{kind}': use --exit-probe foreground or --exit-probe daemon");
            return 2;
        }

        thread.Start();

        // Main touched the threading API first, so it is MainThread, and enumerate() lists it while it runs.
        Console.WriteLine($"threads: {string.Join(", ", Threads.Enumerate().Select(t => t.Name))}");
        Console.WriteLine($"main returns; {thread.Name} is {(thread.IsDaemon ? "a daemon" : "a foreground thread")}");
        mainReturned.Set();
        return 0;
    }
}
