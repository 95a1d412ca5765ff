using System.Diagnostics;
using System.Globalization;

namespace Parallax.Tests.Engines;

[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class LifecycleTests
{
    [Fact]
    public async Task Kill_9_of_one_engine_during_a_long_task_fails_it_with_EngineDiedException_while_the_others_keep_working()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var longTask = cluster.Client[1].Submit(Stubs.Call(Stubs.Sleep, 60_000));
        var alsoPending = cluster.Client[..].Submit<int>(Stubs.Call(Stubs.EngineId)); // queued behind the long task on engine 1

        Process.Start("kill", ["-9", cluster.GetEngine(1)!.Process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
        var died = await Assert.ThrowsAsync<EngineDiedException>(() => longTask.WaitAsync());
        Assert.Equal(1, died.EngineId);
        Assert.Contains("signal 9", died.Message);
        Assert.Throws<EngineDiedException>(() => alsoPending.Get());
        Assert.Equal(0, cluster.Client[0].Submit<int>(Stubs.Call(Stubs.EngineId)).Get());
        Assert.Equal([0], cluster.Client.Ids);
        await Assert.ThrowsAsync<EngineDiedException>(() => cluster.Client[1].Submit<int>(Stubs.Call(Stubs.EngineId)).WaitAsync());

        await cluster.RestartEngineAsync(1);
        await cluster.Client.WaitForEnginesAsync(2, TimeSpan.FromMinutes(1));
        Assert.Equal([0, 1], cluster.Client.Ids);
        Assert.Equal([0, 1], cluster.Client[..].Submit<int>(Stubs.Call(Stubs.EngineId)).Get());
    }

    [Fact]
    public async Task Dispose_stops_every_engine_and_removes_the_cluster_folder()
    {
        var cluster = await Cluster.StartAsync(2);
        var processes = new[] { cluster.GetEngine(0)!.Process.Id, cluster.GetEngine(1)!.Process.Id };
        var folder = cluster.Connection.Directory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cluster.ConnectionFilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        await cluster.DisposeAsync();
        Assert.All(processes, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !IsZombie(pid), $"engine process {pid} still runs"));
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task An_engine_exits_when_its_client_disappears_without_disposing()
    {
        await using var cluster = await Cluster.StartAsync(1);
        var engine = cluster.GetEngine(0)!.Process;

        // A client killed with -9 cannot dispose anything: the kernel just closes its end of the engine's stdin.
        engine.StandardInput.Close();
        await engine.WaitForExitAsync();
        await ClusterFixture.WaitForLog(cluster, "the client closed the engine's stdin");
    }

    [Fact]
    public async Task An_engine_exits_when_its_parent_process_is_gone()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        await using var cluster = await Cluster.StartAsync(1);
        var host = Path.Combine(AppContext.BaseDirectory, "Parallax.Engine.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true, // held open by this test: only the parent watch can end the engine
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { host, "--connection", cluster.ConnectionFilePath, "--id", "7", "--parent", parent.Id.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        using var orphan = Process.Start(start)!;
        Assert.Equal("parallax-engine-ready", await orphan.StandardOutput.ReadLineAsync());
        parent.Kill();
        await orphan.WaitForExitAsync();
        Assert.Contains($"the client process {parent.Id} is gone", await orphan.StandardError.ReadToEndAsync());
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z";
        }
        catch (IOException)
        {
            return true;
        }
    }
}
