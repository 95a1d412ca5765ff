using System.Diagnostics;
using System.Globalization;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// Standing clusters: the <c>parallax</c> tool started and stopped as a real process, and clients that
/// connect to its engines with <see cref="Client.ConnectAsync"/>, come and go, and die. Parallax's home is
/// a temporary folder in every test (never the machine's ~/.parallax).
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class StandingClusterTests
{
    public const string ClientArgument = "--standing-client-to-kill";

    [Fact]
    public async Task The_tool_starts_lists_and_stops_a_profile_with_private_files_and_clear_exit_codes()
    {
        await using var profile = await StandingProfile.StartAsync(2, "tooltest");
        var record = profile.Record;
        Assert.Equal("local", record.Backend);
        Assert.Equal(2, record.EngineCount);
        Assert.True(record.IsRunning);

        // The key lives in the connection file: 0600, in 0700 folders.
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(ownerOnly, File.GetUnixFileMode(profile.Home));
        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.GetDirectoryName(profile.FilePath)!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile.FilePath));
        Assert.Contains("key=", File.ReadAllText(profile.FilePath), StringComparison.Ordinal);

        // Nothing secret on a command line another user can read: neither the daemon's nor an engine's.
        var key = record.Value("key");
        foreach (var pid in new[] { record.DaemonPid, profile.EnginePid(0), profile.EnginePid(1) })
        {
            Assert.True(StandingProfile.IsRunning(pid), $"process {pid} of the profile is not running");
            Assert.DoesNotContain(key, File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal);
            Assert.DoesNotContain(key, File.ReadAllText($"/proc/{pid}/environ"), StringComparison.Ordinal);
        }

        var again = await profile.ToolAsync("cluster", "start", "-n", "2", "--profile", "tooltest");
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("running already", again.Stderr, StringComparison.Ordinal);
        Assert.Contains(profile.FilePath, again.Stderr, StringComparison.Ordinal);
        Assert.Equal(record.Daemon, profile.Record.Daemon); // nothing was changed

        var list = await profile.ToolAsync("cluster", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"tooltest\s+running\s+2/2", list.Stdout);
        Assert.Matches(@"engine 1\s+pid \d+\s+alive\s+memory \d+\.\d MiB", list.Stdout);

        var usage = await profile.ToolAsync("cluster", "start", "-n", "0");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--engines must be at least 1", usage.Stderr, StringComparison.Ordinal);

        var stop = await profile.ToolAsync("cluster", "stop", "--profile", "tooltest");
        Assert.True(stop.ExitCode == 0, stop.Stdout + stop.Stderr);
        Assert.Contains("Stopped profile 'tooltest'", stop.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(profile.FilePath));
        Assert.All(new[] { record.DaemonPid, StandingProfile.EnginePidOf(record, 0), StandingProfile.EnginePidOf(record, 1) }, pid => Assert.False(StandingProfile.IsRunning(pid), $"process {pid} outlived `cluster stop`"));
        Assert.False(Directory.Exists(record.Value("directory")), "the socket folder outlived `cluster stop`");
        Assert.False(Directory.Exists(SharedSegment.FolderOf(record.Value("clusterId"))), "the shared-memory folder outlived `cluster stop`");

        var stopAgain = await profile.ToolAsync("cluster", "stop", "--profile", "tooltest");
        Assert.Equal(0, stopAgain.ExitCode);
        Assert.Contains("not running", stopAgain.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_to_a_profile_that_is_not_running_fails_at_once_naming_the_command_that_starts_it()
    {
        var home = Path.Combine(Path.GetTempPath(), "parallax-home-" + Guid.NewGuid().ToString("N"));
        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.ConnectAsync(Path.Combine(home, "profile_x", "connection.txt")));
        Assert.Contains("parallax cluster start -n 3 --profile x", missing.Message, StringComparison.Ordinal);

        // A record whose daemon has ended (killed with -9 along with its engines) is not a running cluster either.
        await using var profile = await StandingProfile.StartAsync(1, "stale");
        var record = profile.Record;
        Process.GetProcessById(profile.EnginePid(0)).Kill();
        Process.GetProcessById(record.DaemonPid).Kill();
        Assert.True(await StandingProfile.Eventually(() => !record.IsRunning));
        var stale = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.ConnectAsync(profile.FilePath));
        Assert.Contains("parallax cluster start -n 3 --profile stale", stale.Message, StringComparison.Ordinal);
        Assert.Contains("has ended", stale.Message, StringComparison.Ordinal);

        var list = await profile.ToolAsync("cluster", "list");
        Assert.Matches(@"stale\s+stale", list.Stdout);
    }

    [Fact]
    public async Task Two_clients_at_once_see_each_others_variables_and_run_lambdas_on_the_same_engines()
    {
        await using var profile = await StandingProfile.StartAsync(2, "two");
        await using var first = await Client.ConnectAsync(profile.FilePath);
        await using var second = await Client.ConnectAsync(profile.FilePath);
        Assert.Equal([0, 1], first.Ids);

        var large = Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray(); // over the shared-memory threshold
        first[..].PushSync(new { a = large, n = 7 });
        Assert.All(second[..].PullSync<double[]>("a"), a => Assert.Equal(large, a));
        var sums = second[..].ApplySync(() => Engine.Get<double[]>("a").Sum() + Engine.Get<int>("n"));
        Assert.All(sums, s => Assert.Equal(large.Sum() + 7, s));

        second[1].PushSync("b", "from the second client");
        Assert.Equal("from the second client", first[1].PullSync<string>("b"));
        var ids = first[..].ApplySync(() => Engine.Id);
        Assert.Equal([0, 1], ids);

        // Code strings through a connected client: the tool's engines carry Roslyn; one client's variables are the other's.
        first[..].ExecuteSync("var total = a.Sum() + n;");
        Assert.All(second[..].PullSync<double>("total"), t => Assert.Equal(large.Sum() + 7, t));
        var printed = second[..].ExecuteAsync("Console.WriteLine($\"{Engine.Id}: {total}\");");
        await printed;
        Assert.Equal([$"0: {large.Sum() + 7}", $"1: {large.Sum() + 7}"], printed.Stdout.Select(o => o.Trim()));
        var error = Assert.Throws<ScriptCompilationException>(() => second[..].ExecuteSync("var broken = undefinedName;"));
        Assert.Contains("undefinedName", error.Message, StringComparison.Ordinal);

        // One client leaving changes nothing for the other, nor for the engines' variables.
        await first.DisposeAsync();
        Assert.Equal(large, second[0].PullSync<double[]>("a"));
        await using var third = await Client.ConnectAsync(profile.FilePath);
        Assert.Equal("from the second client", third[1].PullSync<string>("b"));

        // A client of another Parallax version is refused before it sends anything.
        var other = Path.Combine(Directory.CreateTempSubdirectory("parallax-version-").FullName, "connection.txt");
        File.WriteAllLines(other, File.ReadAllLines(profile.FilePath).Select(l => l.StartsWith("parallaxVersion=", StringComparison.Ordinal) ? "parallaxVersion=0.0.1.0" : l));
        var skew = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.ConnectAsync(other));
        Assert.Contains("must be one version", skew.Message, StringComparison.Ordinal);
        Directory.Delete(Path.GetDirectoryName(other)!, recursive: true);
    }

    [Fact]
    public async Task A_client_killed_with_9_leaves_the_namespace_intact_and_its_segments_are_removed_by_the_daemon()
    {
        await using var profile = await StandingProfile.StartAsync(2, "killed");
        var segments = SharedSegment.FolderOf(profile.Record.Value("clusterId"));
        var ready = Path.Combine(Path.GetTempPath(), "parallax-standing-client-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(StandingClusterTests).Assembly.Location);
        start.ArgumentList.Add(ClientArgument);
        start.ArgumentList.Add(profile.FilePath);
        start.ArgumentList.Add(ready);
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(await StandingProfile.Eventually(() => File.Exists(ready) || child.HasExited), "the client did not connect");
            Assert.True(File.Exists(ready), $"the client failed: {(child.HasExited ? await stderr : "")}");
            var lease = File.ReadAllText(ready).Trim();
            Assert.NotEmpty(Directory.EnumerateFiles(segments, $"push-{lease}-*"));

            child.Kill(); // SIGKILL: no dispose, no finalizer
            await child.WaitForExitAsync();

            await using var next = await Client.ConnectAsync(profile.FilePath);
            Assert.All(next[..].PullSync<double[]>("big"), big => Assert.Equal(ChildValue(), big));
            Assert.Equal(["left by a killed client", "left by a killed client"], next[..].PullSync<string>("note"));

            // The daemon finds the dead client's lock free and removes its segments (the engines keep the pages they map).
            Assert.True(await StandingProfile.Eventually(() => !Directory.EnumerateFiles(segments, $"*{lease}*").Any()), "the killed client's segments were not removed");
            Assert.All(next[..].ApplySync(() => Engine.Get<double[]>("big").Length), length => Assert.Equal(ChildValue().Length, length));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            File.Delete(ready);
        }
    }

    [Fact]
    public async Task An_engine_killed_with_9_under_a_connected_client_fails_its_calls_and_the_others_serve()
    {
        await using var profile = await StandingProfile.StartAsync(3, "enginedeath");
        await using var client = await Client.ConnectAsync(profile.FilePath);
        client[..].PushSync("x", 5);
        var victim = profile.EnginePid(1);

        // In flight when the engine dies: the call fails, naming the engine.
        var inFlight = client[..].ApplyAsync(() =>
        {
            Thread.Sleep(2000);
            return Engine.Get<int>("x") * 2;
        });
        Process.GetProcessById(victim).Kill();
        var died = await Assert.ThrowsAsync<EngineDiedException>(async () => await inFlight);
        Assert.Equal(1, died.EngineId);
        Assert.Contains("still runs its other engines", died.Message, StringComparison.Ordinal);
        Assert.True(await StandingProfile.Eventually(() => !client.Ids.Contains(1)), "the client did not see engine 1 die");

        // Addressed to the dead engine, a call fails; cl[..] is the live engines, as ipyparallel's ids.
        Assert.Equal([0, 2], client.Ids);
        Assert.Throws<EngineDiedException>(() => client[1].ApplySync(() => 1));
        Assert.Equal([10, 10], client[..].ApplySync(() => Engine.Get<int>("x") * 2));

        var list = await profile.ToolAsync("cluster", "list");
        Assert.Matches(@"enginedeath\s+running\s+2/3", list.Stdout);
        Assert.Matches(@"engine 1\s+pid \d+\s+dead", list.Stdout);
    }

    [Fact]
    public async Task Stopping_the_cluster_under_connected_clients_fails_their_calls_with_a_clear_exception_and_nothing_hangs()
    {
        await using var profile = await StandingProfile.StartAsync(2, "stopped");
        await using var client = await Client.ConnectAsync(profile.FilePath);
        using var gate = new Gate();
        var path = gate.Path;
        var running = client[0].ApplyAsync(() => EngineSide.WaitFor(path)); // busy in a call when the stop comes

        var stop = await profile.ToolAsync("cluster", "stop", "--profile", "stopped");
        Assert.True(stop.ExitCode == 0, stop.Stdout + stop.Stderr);

        using var hangGuard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var inFlight = await Assert.ThrowsAsync<EngineDiedException>(() => running.WaitAsync(hangGuard.Token));
        Assert.Contains("was stopped", inFlight.Message, StringComparison.Ordinal);
        var later = Assert.Throws<EngineDiedException>(() => client[0].ApplySync(() => 1));
        Assert.Contains("parallax cluster start", later.Message, StringComparison.Ordinal);
        Assert.Empty(client.Ids);
        gate.Open();
    }

    [Fact]
    public async Task An_engine_removes_a_large_result_its_reader_disconnected_without_handing_back()
    {
        await using var profile = await StandingProfile.StartAsync(1, "abandon");
        var info = ConnectionInfo.FromFields(profile.Record.Fields, profile.FilePath);
        await using (var client = await Client.ConnectAsync(profile.FilePath))
        {
            client[0].PushSync("big", new double[1 << 17]);
        }

        // A reader that takes the reply frame of a large pull and goes away without mapping it.
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(info.SocketPath(0)));
            using var channel = new FrameChannel(socket, info.Key, isEngine: false, info.MaxFrameBytes);
            _ = channel.ReceiveWelcome();
            channel.Send(FrameKind.Pull, 1, MemoryPack.MemoryPackSerializer.Serialize(new PullMeta("big", typeof(double[]).FullName!)), default);
            Frame reply;
            do
            {
                reply = channel.Receive()!.Value;
            }
            while (reply.Kind != FrameKind.Reply || reply.RequestId != 1);

            var meta = MemoryPack.MemoryPackSerializer.Deserialize<ReplyMeta>(reply.Meta)!;
            Assert.NotNull(meta.Shared);
            Assert.True(File.Exists(meta.Shared.Path));
            channel.Dispose();
            Assert.True(await StandingProfile.Eventually(() => !File.Exists(meta.Shared.Path) && !File.Exists(meta.Shared.Path + SharedSegment.FreeSuffix)), "the engine kept a result its reader never handed back");
        }

        await using var after = await Client.ConnectAsync(profile.FilePath);
        Assert.Equal(1 << 17, after[0].PullSync<double[]>("big").Length);
    }

    /// <summary>The value the killed client pushes: large enough for shared memory.</summary>
    private static double[] ChildValue() => [.. Enumerable.Range(0, 1 << 16).Select(i => i * 0.5)];

    /// <summary>The child's side: connect, push through shared memory, write the lease id, and wait to be killed.</summary>
    public static int RunClient(string profileFile, string ready)
    {
        var client = Client.ConnectAsync(profileFile).GetAwaiter().GetResult();
        client[..].PushSync(new { big = ChildValue(), note = "left by a killed client" });
        var lease = Directory.EnumerateFiles(SharedSegment.FolderOf(ClusterProfile.Read(profileFile).Value("clusterId")), "client-*.lock")
            .Select(f => Path.GetFileName(f)["client-".Length..^".lock".Length])
            .Single();
        File.WriteAllText(ready + ".tmp", lease);
        File.Move(ready + ".tmp", ready);
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }
}
