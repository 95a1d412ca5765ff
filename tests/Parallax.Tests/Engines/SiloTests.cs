using Parallax.Engines.Silos;

namespace Parallax.Tests.Engines;

// Inside the namespace, so that it wins over the test namespace Parallax.Tests.Linalg.
using Linalg = Parallax.Linalg;

/// <summary>
/// Three silo processes on loopback, one engine each, and a client connected through Orleans: shared by
/// the silo tests, since starting silos is the slow part. A test that kills a silo starts it again.
/// </summary>
public sealed class SilosFixture : IAsyncLifetime
{
    internal LocalSilos Silos { get; private set; } = null!;

    internal OrleansEngines Engines { get; private set; } = null!;

    public Client Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silos = await LocalSilos.StartAsync(3);
        try
        {
            Engines = await OrleansEngines.ConnectAsync(Silos.Info, TimeSpan.FromMinutes(2));
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: the silos and their credentials go now.
            await Silos.DisposeAsync();
            throw;
        }

        Client = new Client(Engines);
    }

    public async Task DisposeAsync()
    {
        await Engines.DisposeAsync();
        await Silos.DisposeAsync();
        Assert.False(Directory.Exists(Silos.Folder), "the cluster's folder (its credentials) is left");
    }
}

[CollectionDefinition(Name)]
public sealed class SilosCollection : ICollectionFixture<SilosFixture>
{
    public const string Name = "Silos";
}

/// <summary>The Orleans backend through the unchanged client API: real silo processes, real TLS, real failures.</summary>
[Collection(SilosCollection.Name)]
public class SiloTests(SilosFixture fixture)
{
    /// <summary>A hang guard, not a time assertion: what Orleans alone would wait for a dead silo's answer is days (its response timeout here).</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public void The_seed_flow_runs_on_silos_push_a_and_b_dot_on_every_engine_pull_c()
    {
        const int n = 300;
        var a = Matrices.Random(n, n, 1);
        var b = Matrices.Random(n, n, 2);
        var cl = fixture.Client;
        Assert.Equal([0, 1, 2], cl.Ids);
        var v = cl[..];

        // Each engine is its own silo process.
        var processes = v.ApplySync(() => Environment.ProcessId);
        Assert.Equal(3, processes.Distinct().Count());
        Assert.DoesNotContain(Environment.ProcessId, processes);
        Assert.Equal([0, 1, 2], v.ApplySync(() => Engine.Id));

        v.PushSync(new { a, b });
        v.ApplySync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        double[][,] dot = v.PullSync<double[,]>("c");

        var expected = Linalg.Dot(a, b);
        Assert.Equal(3, dot.Length);
        Assert.All(dot, c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's product differs from the local Linalg.Dot(a, b)"));

        // The seed's execute cell, a C# code string, on silos as on local engines.
        v.ExecuteSync("var e = Linalg.Dot(a, b);");
        Assert.All(v.PullSync<double[,]>("e"), e => Assert.True(e.AsSpan().SequenceEqual(expected.AsSpan()), "Execute's product differs"));

        // What engine code prints comes back with the call; what it throws is a RemoteException naming the engine.
        var printed = cl[1].ApplyAsync(() => Console.WriteLine($"engine {Engine.Id} here"));
        printed.Get();
        Assert.Equal(["engine 1 here\n"], printed.Stdout);
        var thrown = Assert.Throws<RemoteException>(() => cl[2].ApplySync(() => Engine.Get<int>("missing")));
        Assert.Equal(2, thrown.EngineId);
        Assert.Equal(typeof(KeyNotFoundException).FullName, thrown.RemoteType);

        // A scatter sends each engine only its block.
        var items = Enumerable.Range(0, 10).ToArray();
        v.ScatterSync("part", items);
        Assert.Equal(new[] { new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6 }, new[] { 7, 8, 9 } }, v.PullSync<int[]>("part"));

        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c") & Engine.Remove("e"));
    }

    [Fact]
    public async Task Client_ConnectAsync_reaches_silos_through_a_profile_whose_backend_is_orleans()
    {
        var folder = Path.Combine(Path.GetTempPath(), "parallax-silo-profile-" + Guid.NewGuid().ToString("N"), "profile_silos");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "connection.txt");
            fixture.Silos.WriteProfile(path, "silos");

            // The user's code is the same as for local engines: only the profile says Orleans.
            await using var client = await Client.ConnectAsync(path);
            Assert.Equal([0, 1, 2], client.Ids);
            Assert.Equal([0, 1, 2], client[..].ApplySync(() => Engine.Id));
            Assert.Equal(fixture.Client[..].ApplySync(() => Environment.ProcessId), client[..].ApplySync(() => Environment.ProcessId));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_payload_over_Orleans_100_MiB_message_limit_is_pushed_and_pulled_in_chunks()
    {
        // Through Orleans messages, not the data ports: 120 MiB in one value, which as one message would close the connection.
        await using var chunked = await OrleansEngines.ConnectAsync(fixture.Silos.Info, TimeSpan.FromMinutes(2), useDataPorts: false);
        var big = new double[15 << 20];
        for (var i = 0; i < big.Length; i += 4096)
        {
            big[i] = i;
        }

        big[^1] = -1;
        var engine = new Client(chunked)[1];
        engine.PushSync("big", big);
        Assert.Equal(big.Length, engine.ApplySync(() => Engine.Get<double[]>("big").Length));
        Assert.Equal(-1.0, engine.ApplySync(() => Engine.Get<double[]>("big")[^1]));

        // Back as a result larger than the limit: parked on the engine, downloaded in chunks.
        var pulled = engine.PullSync<double[]>("big");
        Assert.True(pulled.AsSpan().SequenceEqual(big), "the pulled array differs from the pushed one");
        var doubled = engine.ApplySync(() => Engine.Get<double[]>("big").Select(x => 2 * x).ToArray());
        Assert.Equal(-2.0, doubled[^1]);
        Assert.Equal(2.0 * 4096, doubled[4096]);
        engine.ApplySync(() => Engine.Remove("big"));
    }

    [Fact]
    public void A_payload_over_100_MiB_goes_through_the_data_ports_sealed_records_both_ways()
    {
        // The default path: one value of 120 MiB streamed in AES-GCM records of 1 MiB, opened in place on the engine.
        var big = new double[15 << 20];
        for (var i = 0; i < big.Length; i += 4096)
        {
            big[i] = i;
        }

        big[^1] = -1;
        var engine = fixture.Client[2];
        engine.PushSync("big", big);
        Assert.Equal(-1.0, engine.ApplySync(() => Engine.Get<double[]>("big")[^1]));
        Assert.Equal(4096.0 * 100, engine.ApplySync(() => Engine.Get<double[]>("big")[4096 * 100]));
        var pulled = engine.PullSync<double[]>("big");
        Assert.True(pulled.AsSpan().SequenceEqual(big), "the pulled array differs from the pushed one");
        engine.ApplySync(() => Engine.Remove("big"));
    }

    [Fact]
    public async Task A_data_port_connection_tampered_with_on_the_way_or_without_TLS_is_refused_and_its_upload_is_never_stored()
    {
        var credentials = ClusterCredentials.Read(fixture.Silos.Info.CredentialsPath);
        var port = fixture.Engines.DataEndpoint(0)!;
        var grain = fixture.Engines.GrainOf(0);
        var value = new byte[3 << 20];
        Random.Shared.NextBytes(value);
        var serialized = MemoryPack.MemoryPackSerializer.Serialize(value);

        // Through a relay that changes nothing, the upload arrives and a push stores it: the method below works.
        var intact = Guid.NewGuid();
        await using (var relay = await TcpRelay.StartAsync(port, flipAt: -1))
        {
            await UploadAsync(await DataPort.ConnectAsync(relay.Endpoint, credentials, CancellationToken.None), intact, serialized);
        }

        var stored = await grain.Push(["relayed"], [typeof(byte[]).FullName!], [serialized.Length], default, intact, Guid.NewGuid(), CancellationToken.None);
        Assert.Null(stored.ErrorMessage);
        Assert.Equal(value.Length, fixture.Client[0].ApplySync(() => Engine.Get<byte[]>("relayed").Length));

        // One bit changed 2 MiB into what the client sends (past the handshake and the key, inside a record): the silo refuses the
        // record, closes the connection, and forgets the upload, so a push naming it stores nothing.
        var tampered = Guid.NewGuid();
        await using (var relay = await TcpRelay.StartAsync(port, flipAt: 2 << 20))
        {
            var refused = await Record.ExceptionAsync(async () => await UploadAsync(await DataPort.ConnectAsync(relay.Endpoint, credentials, CancellationToken.None), tampered, serialized));
            Assert.IsAssignableFrom<IOException>(refused);
        }

        // Plain TCP, no TLS: the handshake fails and nothing of what follows is read.
        var plain = Guid.NewGuid();
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(port);
            var refused = await Record.ExceptionAsync(() => UploadAsync(tcp.GetStream(), plain, serialized));
            Assert.NotNull(refused);
        }

        foreach (var (upload, name) in new[] { (tampered, "tampered"), (plain, "plain") })
        {
            var reply = await grain.Push([name], [typeof(byte[]).FullName!], [serialized.Length], default, upload, Guid.NewGuid(), CancellationToken.None);
            Assert.Contains($"No upload {upload} is held", reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal([false, false], fixture.Client[0].ApplySync(() => new[] { Engine.Contains("tampered"), Engine.Contains("plain") }));
        await WaitForLogAsync("failed its authentication tag");
        fixture.Client[0].ApplySync(() => Engine.Remove("relayed"));

        static async Task UploadAsync(Stream stream, Guid id, byte[] data)
        {
            await using (stream)
            {
                var header = new byte[33];
                header[0] = DataPort.Upload;
                id.TryWriteBytes(header.AsSpan(1));
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(17), data.Length);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(25), data.Length);
                await stream.WriteAsync(header);
                await stream.WriteAsync(data);
                await stream.FlushAsync();
                await DataPort.ReadStatusAsync(stream, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task A_call_whose_request_or_answer_is_lost_fails_with_TimeoutException_and_a_call_that_runs_long_is_never_cut()
    {
        // An Orleans client filter plays the lossy network: it drops the next apply's request, or its answer.
        var lose = new LossyNetwork();
        await using var engines = await OrleansEngines.ConnectAsync(fixture.Silos.Info, TimeSpan.FromMinutes(2), callCheckPeriod: TimeSpan.FromSeconds(2), configureClient: c => c.AddOutgoingGrainCallFilter(lose.InvokeAsync));
        var engine = new Client(engines)[1];
        using var guard = new CancellationTokenSource(HangGuard);
        try
        {
            // A call that runs for several check periods is known to its engine the whole time: it answers.
            Assert.Equal(7, await engine.ApplyAsync(() => { Thread.Sleep(7000); return 7; }).WaitAsync(guard.Token));

            lose.Next = LossyNetwork.Loss.Request;
            var unsent = await Assert.ThrowsAsync<TimeoutException>(() => engine.ApplyAsync(() => Engine.Set("ran", true)).WaitAsync(guard.Token));
            Assert.Contains("has no record of this call", unsent.Message, StringComparison.Ordinal);
            Assert.False(engine.ApplySync(() => Engine.Contains("ran"))); // the next call goes through, and the lost one never ran

            lose.Next = LossyNetwork.Loss.Answer;
            var unanswered = await Assert.ThrowsAsync<TimeoutException>(() => engine.ApplyAsync(() => Engine.Set("ran", true)).WaitAsync(guard.Token));
            Assert.Contains("its answer has not arrived", unanswered.Message, StringComparison.Ordinal);
            Assert.True(engine.ApplySync(() => Engine.Remove("ran"))); // it ran; only its answer was lost
        }
        finally
        {
            lose.Dispose();
        }
    }

    private async Task WaitForLogAsync(string text)
    {
        // Read from the silos' stderr, so it may come a little after the event.
        for (var i = 0; i < 400 && !fixture.Silos.Log.Any(line => line.Contains(text, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(25);
        }

        Assert.Contains(fixture.Silos.Log, line => line.Contains(text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_killed_mid_call_fails_its_calls_with_EngineDiedException_the_others_serve_and_a_restarted_silo_rejoins_empty()
    {
        var cl = fixture.Client;
        var v = cl[..];
        v.PushSync("marker", 7);
        var release = Path.Combine(Path.GetTempPath(), "parallax-silo-release-" + Guid.NewGuid().ToString("N"));
        var rejoinedBefore = fixture.Engines.Rejoined;

        // Engine 2 is inside a call that would never end by itself.
        var stuck = cl[2].ApplyAsync(() =>
        {
            while (!File.Exists(release))
            {
                Thread.Sleep(10);
            }
        });
        var queued = cl[2].ApplyAsync(() => Engine.Id);
        while (fixture.Engines.Connection(2)!.Pending < 2)
        {
            await Task.Delay(10);
        }

        fixture.Silos.Kill(2);
        try
        {
            var died = await Assert.ThrowsAsync<EngineDiedException>(() => stuck.WaitAsync().WaitAsync(HangGuard));
            Assert.Equal(2, died.EngineId);
            Assert.Equal(2, (await Assert.ThrowsAsync<EngineDiedException>(() => queued.WaitAsync().WaitAsync(HangGuard))).EngineId);

            // The others keep serving, and keep their namespaces; the dead one is out of the ids and refuses at once.
            Assert.Equal([0, 1], cl.Ids);
            Assert.Equal([7, 7], cl[0..2].ApplySync(() => Engine.Get<int>("marker")));
            Assert.Equal(2, Assert.Throws<EngineDiedException>(() => cl[2].ApplySync(() => 0)).EngineId);

            // Started again under its id, on its ports: the client sees it back, with an empty namespace.
            await fixture.Silos.RestartAsync(2);
            await cl.WaitForEnginesAsync(3, HangGuard);
            Assert.Equal([0, 1, 2], cl.Ids);
            Assert.Equal(rejoinedBefore + 1, fixture.Engines.Rejoined);
            Assert.Equal([true, true, false], v.ApplySync(() => Engine.Contains("marker")));
            Assert.Equal(2, cl[2].ApplySync(() => Engine.Id));
        }
        finally
        {
            File.WriteAllText(release, "");
            File.Delete(release);
        }
    }

    [Fact]
    public async Task A_load_balanced_map_over_the_silos_returns_in_order_and_retries_the_tasks_of_a_silo_killed_with_minus_9()
    {
        var cl = fixture.Client;
        var lv = cl.LoadBalancedView();
        Assert.Equal(Enumerable.Range(1, 50).ToArray(), lv.MapSync(x => x + 1, Enumerable.Range(0, 50)));

        var items = Enumerable.Range(0, 300).ToArray();
        var map = lv.MapAsync(
            x =>
            {
                FarmSide.Count("silo-ran");
                Thread.Sleep(5);
                return (x, Engine.Id);
            },
            items,
            retries: 1);
        await Until(() => map.Completed >= 30);
        fixture.Silos.Kill(2); // SIGKILL, mid-map
        try
        {
            var results = await map.WaitAsync().WaitAsync(HangGuard);

            // Ordered, every item once, though engine 2's tasks in flight died with it and ran again elsewhere.
            Assert.Equal(items, results.Select(r => r.x));
            Assert.Equal(results.Select(r => r.Id), map.EngineIds);
            Assert.Equal([0, 1], cl.Ids);
            foreach (var survivor in new[] { 0, 1 })
            {
                Assert.Equal(results.Count(r => r.Id == survivor), cl[survivor].PullSync<int>("silo-ran"));
            }
        }
        finally
        {
            await fixture.Silos.RestartAsync(2);
            await cl.WaitForEnginesAsync(3, HangGuard);
            cl[0..2].ApplySync(() => Engine.Remove("silo-ran"));
        }
    }

    [Fact]
    public async Task Cancelling_a_load_balanced_map_cancels_Engine_CancellationToken_on_the_silos_and_its_queued_tasks_never_start()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "parallax-silo-starts-" + Guid.NewGuid().ToString("N"))).FullName;
        using var gate = new Gate();
        var path = gate.Path;
        var cl = fixture.Client;
        try
        {
            cl[..].PushSync(new { kept = 42 });
            var lv = cl.LoadBalancedView();
            var map = lv.MapAsync(x => FarmSide.Started(folder, x) + FarmSide.WaitCountingCancels("silo-waited", path), Enumerable.Range(0, 60), chunkSize: 1);

            // Every engine runs one task and the farm holds the next for it; the gate never opens.
            await Until(() => Directory.GetFiles(folder).Length == 3);
            map.Cancel();
            var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => map.WaitAsync().WaitAsync(HangGuard));
            Assert.IsNotType<EngineRestartedException>(cancelled);

            // The running tasks saw their token cancelled on the silo and stopped; none of the queued ones started.
            Assert.Equal([1, 1, 1], cl[..].PullSync<int>("silo-waited-cancelled"));
            Assert.Equal(3, Directory.GetFiles(folder).Length);
            Assert.Equal([1, 1, 1], cl[..].PullSync<int>("silo-waited"));

            // Stopped cooperatively: the same silos, namespaces intact, serving the next map.
            Assert.Equal([42, 42, 42], cl[..].PullSync<int>("kept"));
            Assert.Equal([1, 2, 3], lv.MapSync(x => x + 1, new[] { 0, 1, 2 }));
        }
        finally
        {
            cl[..].ApplySync(() => Engine.Remove("silo-waited") & Engine.Remove("silo-waited-cancelled") & Engine.Remove("kept"));
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 6000 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), "the silos did not get there within a minute");
    }

    [Fact]
    public async Task A_client_without_the_cluster_credentials_is_refused_and_runs_nothing()
    {
        var intruderFolder = Path.Combine(Path.GetTempPath(), "parallax-intruder-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A certificate of its own, made the same way: TLS succeeds only with the cluster's.
            var intruder = ClusterCredentials.Create(intruderFolder, "intruder");
            var info = fixture.Silos.Info with { CredentialsPath = intruder.Path };
            var refused = await Record.ExceptionAsync(async () =>
            {
                await using var engines = await OrleansEngines.ConnectAsync(info, TimeSpan.FromSeconds(20));
                new Client(engines)[0].PushSync("intruded", 1);
            });
            Assert.NotNull(refused);
            Assert.False(fixture.Client[0].ApplySync(() => Engine.Contains("intruded")));

            // Nor can it stream data into an engine through the silo's data port: TLS refuses its certificate.
            var endpoint = fixture.Engines.DataEndpoint(0)!;
            var streamed = await Record.ExceptionAsync(async () =>
            {
                await using var stream = await DataPort.ConnectAsync(endpoint, intruder, CancellationToken.None);
                var header = new byte[33];
                header[0] = DataPort.Upload;
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(17), 4);
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(25), 4);
                await stream.WriteAsync(header);
                await stream.WriteAsync(new byte[4]);
                await stream.FlushAsync();
                await DataPort.ReadStatusAsync(stream, CancellationToken.None);
            });
            Assert.NotNull(streamed);

            // The silo says so in its log (read from its stderr, so it may come a little after the refusal).
            for (var i = 0; i < 400 && !fixture.Silos.Log.Any(line => line.Contains("refused a data connection", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(25);
            }

            Assert.Contains(fixture.Silos.Log, line => line.Contains("refused a data connection", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(intruderFolder, recursive: true);
        }
    }
}

/// <summary>
/// <c>parallax cluster start --backend orleans</c>: the tool run as a real process keeps silo processes
/// for a profile, and a program reaches them with <see cref="Client.ConnectAsync"/> as it reaches local
/// engines. In the silo collection, so that it never starts silos while another test does.
/// </summary>
[Collection(SilosCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SiloToolTests
{
    [Fact]
    public async Task The_tool_starts_silos_for_a_profile_that_Client_ConnectAsync_reaches_lists_them_and_stops_them_with_their_credentials()
    {
        await using var profile = await StandingProfile.StartAsync(3, "local3", "--backend", "orleans");
        var record = profile.Record;
        Assert.Equal("orleans", record.Backend);
        Assert.Equal(3, record.EngineCount);

        // The cluster's certificate is inside the profile's 0700 folder, 0600, and on no command line.
        var credentials = record.Value("credentials");
        Assert.StartsWith(Path.GetDirectoryName(profile.FilePath)!, credentials, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(credentials));
        var pids = Enumerable.Range(0, 3).Select(profile.EnginePid).ToArray();
        Assert.All(pids, pid =>
        {
            Assert.True(StandingProfile.IsRunning(pid), $"silo process {pid} is not running");
            Assert.Contains("Parallax.Silo.dll", File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal);
        });

        await using (var client = await Client.ConnectAsync(profile.FilePath))
        {
            // One silo process per engine, the ones the profile names; the user's code is what it is for local engines.
            Assert.Equal([0, 1, 2], client.Ids);
            Assert.Equal(pids, client[..].ApplySync(() => Environment.ProcessId));
            client[..].ScatterSync("part", Enumerable.Range(0, 6).ToArray());
            Assert.Equal([1, 5, 9], client[..].ApplySync(() => Engine.Get<int[]>("part").Sum()));
        }

        var list = await profile.ToolAsync("cluster", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"local3\s+running\s+3/3", list.Stdout);
        Assert.Matches(@"engine 2\s+pid \d+\s+alive\s+memory \d+\.\d MiB", list.Stdout);

        var again = await profile.ToolAsync("cluster", "start", "-n", "3", "--profile", "local3", "--backend", "orleans");
        Assert.Equal(3, again.ExitCode);
        Assert.Equal(record.Daemon, profile.Record.Daemon);

        var unknown = await profile.ToolAsync("cluster", "start", "--backend", "carrier-pigeon");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("carrier-pigeon", unknown.Stderr, StringComparison.Ordinal);
        var localMembership = await profile.ToolAsync("cluster", "start", "--membership", "redis://127.0.0.1:6379");
        Assert.Equal(2, localMembership.ExitCode);
        Assert.Contains("--membership is for --backend orleans only", localMembership.Stderr, StringComparison.Ordinal);
        var badMembership = await profile.ToolAsync("cluster", "start", "--backend", "orleans", "--membership", "http://10.0.0.5");
        Assert.Equal(2, badMembership.ExitCode);
        Assert.Contains("redis://host:port", badMembership.Stderr, StringComparison.Ordinal);

        var stop = await profile.ToolAsync("cluster", "stop", "--profile", "local3");
        Assert.True(stop.ExitCode == 0, stop.Stdout + stop.Stderr);
        Assert.All(pids.Append(record.DaemonPid), pid => Assert.False(StandingProfile.IsRunning(pid), $"process {pid} outlived `cluster stop`"));
        Assert.False(File.Exists(credentials), "the cluster's certificate outlived `cluster stop`");
        Assert.False(File.Exists(profile.FilePath));
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Client.ConnectAsync(profile.FilePath));
        Assert.Contains("parallax cluster start", refused.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// Silos whose membership table is in Redis (Orleans' Redis clustering, a redis-server of the test's
/// own): no silo is special, so engine 0's silo, which holds the table under localhost clustering, can
/// die and come back while the others serve. In the silo collection: never two silo clusters starting at once.
/// </summary>
[Collection(SilosCollection.Name)]
public class RedisMembershipTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task With_Redis_membership_engine_0_dies_and_rejoins_while_the_others_serve_and_a_profile_carries_the_membership()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var silos = await LocalSilos.StartAsync(3, folder: null, redis.Membership, CancellationToken.None);
        await using var engines = await OrleansEngines.ConnectAsync(silos.Info, TimeSpan.FromMinutes(2));
        var cl = new Client(engines);
        Assert.Equal([0, 1, 2], cl[..].ApplySync(() => Engine.Id));
        Assert.All(Enumerable.Range(0, 3), id => Assert.DoesNotContain("--primary-port", File.ReadAllText($"/proc/{silos.Process(id)!.Id}/cmdline"), StringComparison.Ordinal));
        cl[..].PushSync("marker", 5);

        silos.Kill(0);
        Assert.Equal(0, Assert.Throws<EngineDiedException>(() => cl[0].ApplySync(() => 0)).EngineId);
        Assert.True(await StandingProfile.Eventually(() => cl.Ids.SequenceEqual([1, 2])), $"engines {string.Join(", ", cl.Ids)} are live after engine 0's silo died");
        Assert.Equal([5, 5], cl[..].PullSync<int>("marker")); // the live ones: engines 1 and 2

        await silos.RestartAsync(0);
        await cl.WaitForEnginesAsync(3, HangGuard);
        Assert.Equal([false, true, true], cl[..].ApplySync(() => Engine.Contains("marker")));

        // A profile of these silos names the membership, and a client that reads it finds the gateways there.
        var folder = Path.Combine(Path.GetTempPath(), "parallax-redis-profile-" + Guid.NewGuid().ToString("N"), "profile_lab");
        Directory.CreateDirectory(folder);
        try
        {
            var path = Path.Combine(folder, "connection.txt");
            silos.WriteProfile(path, "lab");
            Assert.Equal(redis.Membership, Parallax.Engines.Transport.ClusterProfile.Read(path).Value("membership"));
            await using var client = await Client.ConnectAsync(path);
            Assert.Equal([0, 1, 2], client[..].ApplySync(() => Engine.Id));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }
}

/// <summary>An Orleans client filter that loses the next apply's request (never sent) or its answer (the call runs, the reply never returns), as a lossy network would.</summary>
internal sealed class LossyNetwork : IDisposable
{
    private readonly CancellationTokenSource ended = new();
    private int next;

    public enum Loss
    {
        None,
        Request,
        Answer,
    }

    public Loss Next
    {
        set => Volatile.Write(ref next, (int)value);
    }

    public async Task InvokeAsync(Orleans.IOutgoingGrainCallContext context)
    {
        var loss = context.MethodName == nameof(IEngineGrain.Apply) ? (Loss)Interlocked.Exchange(ref next, (int)Loss.None) : Loss.None;
        if (loss != Loss.Request)
        {
            await context.Invoke();
        }

        if (loss != Loss.None)
        {
            // Never completes while the test runs: the client must find the call lost by itself.
            await Task.Delay(Timeout.Infinite, ended.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            throw new OperationCanceledException("the lossy network was taken down");
        }
    }

    public void Dispose()
    {
        ended.Cancel();
        ended.Dispose();
    }
}

/// <summary>A TCP relay on loopback for one connection to <c>target</c>, flipping one bit of what the client sends at offset <c>flipAt</c> (none when negative).</summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly System.Net.Sockets.TcpListener listener;
    private readonly Task relaying;

    private TcpRelay(System.Net.Sockets.TcpListener listener, System.Net.IPEndPoint target, long flipAt)
    {
        this.listener = listener;
        relaying = RelayAsync(target, flipAt);
    }

    public System.Net.IPEndPoint Endpoint => (System.Net.IPEndPoint)listener.LocalEndpoint;

    public static Task<TcpRelay> StartAsync(System.Net.IPEndPoint target, long flipAt)
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new TcpRelay(listener, target, flipAt));
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        await relaying.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RelayAsync(System.Net.IPEndPoint target, long flipAt)
    {
        using var inbound = await listener.AcceptTcpClientAsync();
        using var outbound = new System.Net.Sockets.TcpClient();
        await outbound.ConnectAsync(target);
        await Task.WhenAny(PumpAsync(inbound.GetStream(), outbound.GetStream(), flipAt), PumpAsync(outbound.GetStream(), inbound.GetStream(), -1));
    }

    private static async Task PumpAsync(Stream from, Stream to, long flipAt)
    {
        var buffer = new byte[64 << 10];
        long at = 0;
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                if (flipAt >= at && flipAt < at + read)
                {
                    buffer[flipAt - at] ^= 0x40;
                }

                at += read;
                await to.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // One side closed: the relay ends.
        }
        finally
        {
            to.Dispose(); // the other side sees the end too
        }
    }
}
