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

        v.Push(new { a, b });
        v.ApplySync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
        double[][,] dot = v.Pull<double[,]>("c");

        var expected = Linalg.Dot(a, b);
        Assert.Equal(3, dot.Length);
        Assert.All(dot, c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's product differs from the local Linalg.Dot(a, b)"));

        // The seed's execute cell, a C# code string, on silos as on local engines.
        v.ExecuteSync("var e = Linalg.Dot(a, b);");
        Assert.All(v.Pull<double[,]>("e"), e => Assert.True(e.AsSpan().SequenceEqual(expected.AsSpan()), "Execute's product differs"));

        // What engine code prints comes back with the call; what it throws is a RemoteException naming the engine.
        var printed = cl[1].ApplyAsync(() => Console.WriteLine($"engine {Engine.Id} here"));
        printed.Get();
        Assert.Equal(["engine 1 here\n"], printed.Stdout);
        var thrown = Assert.Throws<RemoteException>(() => cl[2].ApplySync(() => Engine.Get<int>("missing")));
        Assert.Equal(2, thrown.EngineId);
        Assert.Equal(typeof(KeyNotFoundException).FullName, thrown.RemoteType);

        // A scatter sends each engine only its block.
        var items = Enumerable.Range(0, 10).ToArray();
        v.Scatter("part", items);
        Assert.Equal(new[] { new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6 }, new[] { 7, 8, 9 } }, v.Pull<int[]>("part"));

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
        engine.Push("big", big);
        Assert.Equal(big.Length, engine.ApplySync(() => Engine.Get<double[]>("big").Length));
        Assert.Equal(-1.0, engine.ApplySync(() => Engine.Get<double[]>("big")[^1]));

        // Back as a result larger than the limit: parked on the engine, downloaded in chunks.
        var pulled = engine.Pull<double[]>("big");
        Assert.True(pulled.AsSpan().SequenceEqual(big), "the pulled array differs from the pushed one");
        var doubled = engine.ApplySync(() => Engine.Get<double[]>("big").Select(x => 2 * x).ToArray());
        Assert.Equal(-2.0, doubled[^1]);
        Assert.Equal(2.0 * 4096, doubled[4096]);
        engine.ApplySync(() => Engine.Remove("big"));
    }

    [Fact]
    public async Task A_silo_killed_mid_call_fails_its_calls_with_EngineDiedException_the_others_serve_and_a_restarted_silo_rejoins_empty()
    {
        var cl = fixture.Client;
        var v = cl[..];
        v.Push("marker", 7);
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
                new Client(engines)[0].Push("intruded", 1);
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
