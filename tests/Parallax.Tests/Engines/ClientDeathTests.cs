using System.Diagnostics;
using System.Globalization;

namespace Parallax.Tests.Engines;

/// <summary>
/// A client process killed with -9 runs no cleanup at all: its engines must still go. The client here
/// is a real process (this assembly started with <see cref="Argument"/>) that starts a cluster and waits.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClientDeathTests
{
    public const string Argument = "--engines-client-to-kill";

    [Fact]
    public async Task Engines_exit_when_their_client_process_is_killed_with_9()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), "parallax-client-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(ClientDeathTests).Assembly.Location);
        start.ArgumentList.Add(Argument);
        start.ArgumentList.Add(pidFile);
        using var client = Process.Start(start)!;
        var stderr = client.StandardError.ReadToEndAsync();
        try
        {
            // Hang guards, not time assertions.
            int[] engines = [];
            for (var i = 0; i < 1200 && engines.Length < 2 && !client.HasExited; i++)
            {
                await Task.Delay(100);
                engines = File.Exists(pidFile) ? [.. File.ReadAllLines(pidFile).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture))] : [];
            }

            Assert.True(engines.Length == 2, $"the client did not start its engines: {(client.HasExited ? await stderr : "still waiting")}");
            Assert.All(engines, pid => Assert.True(IsRunning(pid), $"engine {pid} is not running before the kill"));

            client.Kill(); // SIGKILL: no finalizer, no ProcessExit, no dispose
            await client.WaitForExitAsync();
            for (var i = 0; i < 600 && engines.Any(IsRunning); i++)
            {
                await Task.Delay(100);
            }

            Assert.All(engines, pid => Assert.False(IsRunning(pid), $"engine {pid} outlived its client"));
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill(entireProcessTree: true);
            }

            File.Delete(pidFile);
        }
    }

    /// <summary>The child's side: start two engines, write their process ids, and wait to be killed.</summary>
    public static int RunClient(string pidFile)
    {
        var cluster = Cluster.StartAsync(2).GetAwaiter().GetResult();
        var pids = Enumerable.Range(0, 2).Select(id => cluster.GetEngine(id)!.Process.Id.ToString(CultureInfo.InvariantCulture));
        File.WriteAllLines(pidFile + ".tmp", pids);
        File.Move(pidFile + ".tmp", pidFile);
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !EngineProcesses.IsZombie(pid);
}
