using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Parallax.Tests.Engines;

/// <summary>
/// The faults of issue 15, each as a careless user or a hostile local process would cause it, against
/// real engine processes: dispose racing a push, names in the shared-memory folder taken by someone
/// else, arrays of 2 GiB, oversized replies, duplicate targets, empty views, restarts after kill -9,
/// and peers that never authenticate.
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ReliabilityTests(ClusterFixture fixture)
{
    public const string DisposeDuringPushArgument = "--engines-dispose-during-push";

    /// <summary>The folder every process on the machine can list, where segments (or their folder) are named.</summary>
    private static string ShmRoot => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    [Fact]
    public async Task Dispose_racing_a_200_MB_push_fails_the_push_with_ObjectDisposedException_and_the_client_survives()
    {
        // A child process: before the fix this was a SIGSEGV (the segment unmapped under the writer), which must not take the test host down.
        var (exitCode, stdout, stderr) = await RunChild(DisposeDuringPushArgument);
        Assert.True(exitCode == 0, $"the client process ended with {exitCode}; stdout: {stdout}; stderr: {stderr}");
        Assert.Contains("push failed: System.ObjectDisposedException", stdout);
        Assert.Contains("dispose returned", stdout);
    }

    /// <summary>The child's side: start a 200 MB push, and dispose the cluster as soon as its segment file exists.</summary>
    public static int RunDisposeDuringPush()
    {
        var cluster = Cluster.StartAsync(1).GetAwaiter().GetResult();
        var id = cluster.Connection.ClusterId;
        var big = new byte[200 << 20];
        Array.Fill(big, (byte)7);
        var push = Task.Run(() => cluster.Client[0].PushSync("big", big));
        for (var i = 0; i < 60_000 && ClusterFiles(id).Length == 0 && !push.IsCompleted; i++)
        {
            Thread.Sleep(1);
        }

        Console.WriteLine(push.IsCompleted ? "the push finished before its segment was seen" : "segment seen; disposing");
        cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Console.WriteLine("dispose returned");
        try
        {
            push.GetAwaiter().GetResult();
            Console.WriteLine("push completed");
        }
        catch (Exception ex)
        {
            Console.WriteLine($"push failed: {ex.GetType().FullName}: {ex.Message}");
        }

        return 0;
    }

    [Fact]
    public async Task Names_another_user_takes_in_the_shared_memory_folder_neither_crash_an_engine_nor_break_dispose()
    {
        var cluster = await Cluster.StartAsync(1, new ClusterOptions { SharedMemoryThreshold = 64 << 10 });
        var squats = new List<string>();
        try
        {
            var engine = cluster.Client[0];
            var pid = engine.ApplySync(() => Environment.ProcessId);
            engine.ApplySync(() => Engine.Set("r", Enumerable.Range(0, 100_000).Select(i => (double)i).ToArray()));
            engine.PushSync("p", new double[50_000]);
            Assert.Equal(99_999.0, engine.PullSync<double[]>("r")[^1]); // the reply segment is now released (renamed .free)

            // What another local user sees in the world-listable folder are names; they take the names the
            // cluster uses, and one its cleanup would match.
            var id = cluster.Connection.ClusterId;
            foreach (var entry in Directory.EnumerateFileSystemEntries(ShmRoot, $"parallax-{id}*").ToArray())
            {
                squats.Add(entry.EndsWith(".free", StringComparison.Ordinal) ? entry[..^".free".Length] : entry + ".free");
            }

            squats.Add(Path.Combine(ShmRoot, $"parallax-{id}-squat"));
            foreach (var squat in squats.Where(s => !Path.Exists(s)))
            {
                await File.WriteAllTextAsync(squat, "someone else's");
            }

            // Pulls of new sizes make the engine reuse, create and drop reply segments; pushes reuse theirs.
            for (var n = 110_000; n <= 150_000; n += 10_000)
            {
                var size = n;
                engine.ApplySync(() => Engine.Set("r", Enumerable.Range(0, size).Select(i => (double)i).ToArray()));
                Assert.Equal(size - 1.0, engine.PullSync<double[]>("r")[^1]);
                engine.PushSync("p", new double[size]);
            }

            Assert.Equal(pid, engine.ApplySync(() => Environment.ProcessId));
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        try
        {
            // Nothing the cluster does not own was removed, and nothing it owned is left.
            Assert.All(squats, squat => Assert.True(File.Exists(squat), $"the cluster removed '{squat}', a file it does not own"));
            Assert.Empty(ClusterFiles(cluster.Connection.ClusterId).Except(squats));
        }
        finally
        {
            squats.ForEach(File.Delete);
        }
    }

    [Fact]
    public async Task A_2_GiB_array_is_pulled_through_shared_memory_and_an_engine_never_dies_of_a_reply()
    {
        await using var cluster = await Cluster.StartAsync(1);
        var engine = cluster.Client[0];
        var pid = engine.ApplySync(() => Environment.ProcessId);

        // The largest byte[] .NET allows: its serialized size is within 64 bytes of int.MaxValue. Uninitialized,
        // so the engine touches two pages of it, not 2 GiB.
        engine.ApplySync(() =>
        {
            var max = GC.AllocateUninitializedArray<byte>(Array.MaxLength);
            max[0] = 1;
            max[^1] = 2;
            Engine.Set("max", max);
        });
        var pulled = engine.PullSync<byte[]>("max");
        Assert.Equal(Array.MaxLength, pulled.Length);
        Assert.Equal(1, pulled[0]);
        Assert.Equal(2, pulled[^1]);
        pulled = null;
        GC.Collect();

        engine.ApplySync(() => Engine.Remove("max"));
        Assert.Equal(pid, engine.ApplySync(() => Environment.ProcessId));
    }

    [Fact]
    public void Arrays_too_large_to_carry_fail_with_a_clear_exception_before_anything_is_sent()
    {
        var engine = fixture.Client[0];

        // 2 GiB and 8 bytes of doubles: more than one serialized value can hold. Uninitialized: nothing is touched.
        var huge = GC.AllocateUninitializedArray<double>((1 << 28) + 1);
        var error = Assert.Throws<NotSupportedException>(() => engine.PushSync("huge", huge));
        Assert.Contains("2147483660 bytes", error.Message); // 2^28 + 1 doubles and the 4-byte length
        Assert.Contains("Scatter", error.Message);

        // Two values that fit alone but not together in one push.
        var half = GC.AllocateUninitializedArray<byte>(1_200_000_000);
        var together = Assert.Throws<NotSupportedException>(() => engine.PushSync(new { h1 = half, h2 = half }));
        Assert.Contains("h1", together.Message);
        huge = null;
        half = null;
        GC.Collect();
        Assert.False(engine.ApplySync(() => Engine.Contains("huge") || Engine.Contains("h1")));

        // The same value made on an engine: its pull fails there, as a RemoteException, and the engine goes on.
        var pid = engine.ApplySync(() => Environment.ProcessId);
        engine.ApplySync(() => Engine.Set("huge", GC.AllocateUninitializedArray<double>((1 << 28) + 1)));
        var remote = Assert.Throws<RemoteException>(() => engine.PullSync<double[]>("huge"));
        Assert.Equal(typeof(NotSupportedException).FullName, remote.RemoteType);
        engine.ApplySync(() => Engine.Remove("huge"));
        Assert.Equal(pid, engine.ApplySync(() => Environment.ProcessId));
    }

    [Fact]
    public async Task An_exception_or_output_larger_than_a_frame_is_cut_with_a_note_and_the_engine_keeps_serving()
    {
        await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { MaxFrameBytes = 1 << 20 });
        var engine = cluster.Client[0];
        var pid = engine.ApplySync(() => Environment.ProcessId);

        var error = Assert.Throws<RemoteException>(() => engine.ApplySync(() => Thrower.Fail(new string('x', 2_000_000))));
        Assert.InRange(error.RemoteMessage.Length, 1000, 1 << 19);
        Assert.StartsWith("xxxx", error.RemoteMessage);
        Assert.Contains("characters dropped", error.RemoteMessage);

        var result = engine.ApplyAsync(() =>
        {
            Console.Write(new string('y', 1_500_000));
            return 42;
        });
        Assert.Equal(42, result.Get());
        Assert.InRange(result.Stdout[0].Length, 1000, 1 << 19);
        Assert.Contains("characters dropped", result.Stdout[0]);

        Assert.Equal(pid, engine.ApplySync(() => Environment.ProcessId));
    }

    [Fact]
    public async Task Duplicate_targets_are_one_target_and_a_later_push_never_overwrites_their_value()
    {
        await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { SharedMemoryThreshold = 64 << 10 });
        var cl = cluster.Client;
        var d1 = Enumerable.Range(0, 1 << 20).Select(i => (double)i).ToArray(); // 8 MB: through shared memory
        var twice = cl[new[] { 0, 0 }];
        twice.PushSync(new { d1 });

        cl[0].PushSync("unrelated", new double[1 << 20]); // as large: it would take d1's segment if it looked free
        Assert.Equal(d1.Sum(), cl[0].ApplySync(() => Engine.Get<double[]>("d1").Sum()));
        Assert.Equal([0], twice.Targets);
        Assert.Equal([1, 0], fixture.Client[new[] { 1, 0, 1, 0 }].Targets); // the first occurrence keeps its place
    }

    [Fact]
    public async Task Restart_after_kill_9_removes_the_killed_engines_reply_segments()
    {
        await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { SharedMemoryThreshold = 64 << 10 });
        var engine = cluster.Client[0];
        engine.ApplySync(() => Engine.Set("r", new double[200_000]));
        Assert.Equal(200_000, engine.PullSync<double[]>("r").Length);
        var before = ClusterFiles(cluster.Connection.ClusterId);
        Assert.NotEmpty(before);

        Process.Start("kill", ["-9", cluster.GetEngine(0)!.Process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
        await Assert.ThrowsAsync<EngineDiedException>(() => engine.ApplyAsync(() => Thread.Sleep(Timeout.Infinite)).WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        await cluster.RestartEngineAsync(0);

        Assert.All(before, file => Assert.False(File.Exists(file), $"'{file}' of the killed engine outlived the restart"));
        Assert.Equal(200_000, engine.ApplySync(() => new double[200_000]).Length);
    }

    [Fact]
    public void Empty_views_are_refused_at_creation_naming_the_empty_set()
    {
        var cl = fixture.Client;
        Assert.Contains("no engines", Assert.Throws<ArgumentException>(() => cl[Array.Empty<int>()]).Message);
        Assert.Contains("no engines", Assert.Throws<ArgumentException>(() => cl[1..1]).Message);
        Assert.Contains("no engines", Assert.Throws<ArgumentException>(() => cl[Enumerable.Empty<int>()]).Message);
    }

    [Fact]
    public void A_result_over_no_engines_completes_at_once_with_empty_results()
    {
        var typed = new AsyncResult<int[]>([], default, static _ => 0, static parts => [.. parts.Select(p => (int)p!)]);
        Assert.True(typed.Wait(TimeSpan.Zero));
        Assert.Empty(typed.Get());
        var action = AsyncResult.ForAction([], default);
        Assert.True(action.Wait(TimeSpan.Zero));
        action.Get();
    }

    [Fact]
    public async Task Peers_that_never_authenticate_do_not_grow_the_engines_memory()
    {
        await using var cluster = await Cluster.StartAsync(1);
        var engine = cluster.Client[0];
        var pid = engine.ApplySync(() => Environment.ProcessId);
        var before = RssBytes(pid);

        // Twelve local peers without the key, each declaring a frame of the largest size the engine accepts
        // and sending 16 MiB of it.
        var junk = new byte[16 << 20];
        var peers = new List<Socket>();
        var sends = new List<Task>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(cluster.Connection.SocketPath(0)));
                peers.Add(socket);
                sends.Add(Task.Run(() =>
                {
                    try
                    {
                        var prefix = new byte[4];
                        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)cluster.Connection.MaxFrameBytes);
                        socket.Send(prefix);
                        socket.Send(junk);
                    }
                    catch (SocketException)
                    {
                        // The engine closed the connection: what it should do.
                    }
                }));
            }

            // Hang guard, not a time assertion: every peer has sent what it could.
            await Task.WhenAll(sends).WaitAsync(TimeSpan.FromMinutes(2));
            var grown = RssBytes(pid) - before;
            Assert.True(grown < 48L << 20, $"the engine's resident memory grew by {grown >> 20} MiB for 12 unauthenticated peers");
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }

        Assert.Equal(pid, engine.ApplySync(() => Environment.ProcessId));
    }

    [Fact]
    public async Task Connections_that_never_authenticate_are_capped_and_closed_after_the_handshake_timeout()
    {
        await using var cluster = await Cluster.StartAsync(1);
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 60_000 }; // a hang guard
                socket.Connect(new UnixDomainSocketEndPoint(cluster.Connection.SocketPath(0)));
                silent.Add(socket);
            }

            // A served connection gets the engine's welcome; a refused one, the end of the stream at once.
            var welcomed = silent.Where(s => s.Receive(new byte[4]) > 0).ToArray();
            Assert.Equal(8, welcomed.Length);
            await ClusterFixture.WaitForLog(cluster, "refused a connection: 8 others have not authenticated yet");

            // None of them signs a frame: each is closed once its handshake time is up.
            var buffer = new byte[4096];
            Assert.All(welcomed, s =>
            {
                while (s.Receive(buffer) > 0)
                {
                }
            });
            await ClusterFixture.WaitForLog(cluster, "sent no signed frame within 5 s");
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }

        Assert.Equal(0, cluster.Client[0].ApplySync(() => Engine.Id));
    }

    [Fact]
    public async Task Starting_a_cluster_removes_the_files_of_clusters_whose_client_and_engines_all_died()
    {
        // A client and its engines all killed at once leave everything behind; nobody is left to clean up.
        using (var gone = Process.Start("true")!)
        {
            await gone.WaitForExitAsync();
            var stale = FakeCluster(owner: $"{gone.Id} 1 {new FileInfo("/proc/self/ns/pid").LinkTarget}");
            var live = FakeCluster(owner: Parallax.Engines.Transport.ClusterOwner.Identity(Environment.ProcessId)!);
            try
            {
                await using (await Cluster.StartAsync(1))
                {
                }

                Assert.False(Directory.Exists(stale.Sockets), "the dead cluster's socket folder is still there");
                Assert.False(Directory.Exists(stale.Segments), "the dead cluster's shared-memory folder is still there");
                Assert.True(Directory.Exists(live.Sockets) && Directory.Exists(live.Segments), "a live client's cluster was removed");
            }
            finally
            {
                foreach (var folder in new[] { stale.Sockets, stale.Segments, live.Sockets, live.Segments }.Where(Directory.Exists))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }

        static (string Sockets, string Segments) FakeCluster(string owner)
        {
            var sockets = Path.Combine(Path.GetTempPath(), "parallax-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)));
            Directory.CreateDirectory(sockets);
            var info = Parallax.Engines.Transport.ConnectionInfo.CreateNew(sockets, 1 << 20, 1 << 16);
            info.Write();
            File.WriteAllText(Path.Combine(sockets, "owner.txt"), owner);
            Directory.CreateDirectory(info.SegmentFolder);
            File.WriteAllBytes(Path.Combine(info.SegmentFolder, "push-0123"), new byte[4096]);
            return (sockets, info.SegmentFolder);
        }
    }

    [Fact]
    public void A_folder_someone_else_made_first_is_never_taken_for_the_clusters()
    {
        var path = Path.Combine(Path.GetTempPath(), "parallax-taken-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        try
        {
            Assert.Contains("exists already", Assert.Throws<IOException>(() => Parallax.Engines.Transport.OwnerOnly.CreateDirectory(path)).Message);
        }
        finally
        {
            Directory.Delete(path);
        }

        Parallax.Engines.Transport.OwnerOnly.CreateDirectory(path);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
        Directory.Delete(path);
    }

    /// <summary>Every file under the shared-memory folder that belongs to cluster <paramref name="clusterId"/>, whatever the layout.</summary>
    internal static string[] ClusterFiles(string clusterId)
    {
        var files = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(ShmRoot, $"parallax-{clusterId}*"))
        {
            if (Directory.Exists(entry))
            {
                files.AddRange(Directory.EnumerateFiles(entry, "*", SearchOption.AllDirectories));
            }
            else
            {
                files.Add(entry);
            }
        }

        return [.. files];
    }

    private static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Runs this test assembly as a child process with <paramref name="arguments"/>; hang-guarded, not timed.</summary>
    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunChild(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(ReliabilityTests).Assembly.Location);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }

        return (child.ExitCode, await stdout, await stderr);
    }
}
