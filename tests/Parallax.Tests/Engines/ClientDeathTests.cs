using System.Diagnostics;
using System.Globalization;

namespace Parallax.Tests.Engines;

/// <summary>
/// A client process killed with -9 runs no cleanup at all: its engines must still go, and take the
/// client's files with them (socket folder, connection file, shared-memory segments). The client here is
/// a real process (this assembly started with <see cref="Argument"/>) that starts a cluster, moves data
/// through shared memory both ways, and waits.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClientDeathTests
{
    public const string Argument = "--engines-client-to-kill";

    [Fact]
    public async Task Engines_exit_and_remove_the_clients_files_when_their_client_process_is_killed_with_9()
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
            string[] lines = [];
            for (var i = 0; i < 1200 && lines.Length < 4 && !client.HasExited; i++)
            {
                await Task.Delay(100);
                lines = File.Exists(pidFile) ? File.ReadAllLines(pidFile) : [];
            }

            Assert.True(lines.Length == 4, $"the client did not start its engines: {(client.HasExited ? await stderr : "still waiting")}");
            int[] engines = [.. lines[..2].Select(l => int.Parse(l, CultureInfo.InvariantCulture))];
            var (folder, clusterId) = (lines[2], lines[3]);
            Assert.All(engines, pid => Assert.True(IsRunning(pid), $"engine {pid} is not running before the kill"));
            Assert.True(File.Exists(Path.Combine(folder, "connection.txt")));
            Assert.NotEmpty(ReliabilityTests.ClusterFiles(clusterId));

            client.Kill(); // SIGKILL: no finalizer, no ProcessExit, no dispose
            await client.WaitForExitAsync();
            for (var i = 0; i < 600 && engines.Any(IsRunning); i++)
            {
                await Task.Delay(100);
            }

            Assert.All(engines, pid => Assert.False(IsRunning(pid), $"engine {pid} outlived its client"));

            // The engines exit after their cleanup; a folder still there now is a leak (the key among it).
            Assert.False(Directory.Exists(folder), $"the dead client's folder '{folder}' (connection file and key) was left behind");
            Assert.Empty(ReliabilityTests.ClusterFiles(clusterId));
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

    /// <summary>
    /// The child's side: start two engines, push and pull through shared memory, write the engines'
    /// process ids, the socket folder and the cluster id, and wait to be killed.
    /// </summary>
    public static int RunClient(string pidFile)
    {
        var cluster = Cluster.StartAsync(2).GetAwaiter().GetResult();
        var v = cluster.Client[..];
        v.PushSync("x", new double[1 << 18]);
        _ = v.PullSync<double[]>("x");
        var pids = Enumerable.Range(0, 2).Select(id => cluster.GetEngine(id)!.Process.Id.ToString(CultureInfo.InvariantCulture));
        File.WriteAllLines(pidFile + ".tmp", [.. pids, cluster.Connection.Directory, cluster.Connection.ClusterId]);
        File.Move(pidFile + ".tmp", pidFile);
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !EngineProcesses.IsZombie(pid);
}
