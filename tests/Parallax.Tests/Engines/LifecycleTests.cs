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
        var cl = cluster.Client;
        var startedPath = Path.Combine(Path.GetTempPath(), "parallax-started-" + Guid.NewGuid().ToString("N"));

        // Engine 1 announces that the long task runs, then sleeps for good: only its death can end the call.
        var longTask = cl[1].ApplyAsync(() =>
        {
            File.WriteAllText(startedPath, "");
            Thread.Sleep(Timeout.Infinite);
        });
        var alsoPending = cl[..].ApplyAsync(() => Engine.Id); // queued behind the long task on engine 1
        for (var i = 0; i < 6000 && !File.Exists(startedPath); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(File.Exists(startedPath), "the long task never started");
        File.Delete(startedPath);
        Assert.False(longTask.IsReady);
        Process.Start("kill", ["-9", cluster.GetEngine(1)!.Process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();

        // A hang guard, not a time assertion: without the engine's death the call would never end.
        var died = await Assert.ThrowsAsync<EngineDiedException>(() => longTask.WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, died.EngineId);
        Assert.Contains("signal 9", died.Message);
        Assert.Null(longTask.Metadata[0].Completed);
        Assert.Equal(1, Assert.Throws<EngineDiedException>(() => alsoPending.Get()).EngineId);
        Assert.Equal(0, cl[0].ApplySync(() => Engine.Id));
        Assert.Equal([0], cl.Ids);
        await Assert.ThrowsAsync<EngineDiedException>(() => cl[1].ApplyAsync(() => Engine.Id).WaitAsync());

        await cluster.RestartEngineAsync(1);
        await cl.WaitForEnginesAsync(2, TimeSpan.FromMinutes(1));
        Assert.Equal([0, 1], cl.Ids);
        Assert.Equal([0, 1], cl[..].ApplySync(() => Engine.Id));
        Assert.False(cl[1].ApplySync(() => Engine.Contains("anything"))); // a fresh engine: empty namespace

        // Engine code that crashes its process fails its call the same way; the other engine keeps working.
        var crash = Assert.Throws<EngineDiedException>(() => cl[0].ApplySync(() => Environment.FailFast("engine code gave up")));
        Assert.Equal(0, crash.EngineId);
        Assert.Equal([1], cl[..].ApplySync(() => Engine.Id)); // cl[..] is the live engines, as ipyparallel's ids
    }

    [Fact]
    public async Task Restart_gives_a_running_engine_a_fresh_process_and_namespace()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var cl = cluster.Client;
        cl[..].PushSync(new { kept = 1 });
        var before = cl[..].ApplySync(() => Environment.ProcessId);
        await cluster.RestartEngineAsync(0);
        var after = cl[..].ApplySync(() => Environment.ProcessId);
        Assert.NotEqual(before[0], after[0]);
        Assert.Equal(before[1], after[1]);
        Assert.Equal([false, true], cl[..].ApplySync(() => Engine.Contains("kept")));
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
        Assert.All(processes, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !EngineProcesses.IsZombie(pid), $"engine process {pid} still runs"));
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
}
