using System.Net.Sockets;
using MemoryPack;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>What must hold when engines misbehave: busy forever, crashing, out of memory, or sending bad frames.</summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class RobustnessTests
{
    [Fact]
    public async Task Dispose_returns_while_an_engine_is_busy_forever_and_a_send_is_stuck_behind_its_full_socket()
    {
        var cluster = await Cluster.StartAsync(1);
        var engine = cluster.Client[0];
        var busy = engine.ApplyAsync(() => Thread.Sleep(Timeout.Infinite));

        // The engine reads nothing while it runs a call, so 4 MB of inline frames (a socket queues about
        // 176 KB) leave this sender blocked inside a send, holding the connection.
        var blob = new byte[200_000];
        var pending = new List<AsyncResult<int>>();
        var sender = Task.Run(() =>
        {
            try
            {
                for (var i = 0; i < 20; i++)
                {
                    lock (pending)
                    {
                        pending.Add(engine.ApplyAsync(() => blob.Length));
                    }
                }
            }
            catch (ObjectDisposedException)
            {
                // A call made once the cluster is disposed.
            }
        });
        await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(1)));

        // Hang guards, not time assertions: without the fix both waits below never end. Dispose runs on
        // the pool, since the hang it guards against was a synchronous one inside DisposeAsync.
        await Task.Run(() => cluster.DisposeAsync().AsTask()).WaitAsync(TimeSpan.FromMinutes(1));
        await sender.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Throws<EngineDiedException>(() => busy.Get());
        lock (pending)
        {
            Assert.All(pending, r => Assert.True(Record.Exception(() => r.Get(TimeSpan.FromMinutes(1))) is EngineDiedException or ObjectDisposedException));
        }
    }

    [Fact]
    public async Task An_unhandled_exception_on_an_engine_thread_kills_the_engine_and_fails_its_call_while_the_others_keep_working()
    {
        await using var cluster = await Cluster.StartAsync(2);
        var crash = cluster.Client[1].ApplyAsync(() =>
        {
            new Thread(() => throw new InvalidOperationException("boom on a thread nobody joins")).Start();
            Thread.Sleep(Timeout.Infinite);
        });

        var died = await Assert.ThrowsAsync<EngineDiedException>(() => crash.WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, died.EngineId);
        Assert.Contains("signal 6", died.Message); // the runtime aborts on an unhandled exception
        Assert.Equal(0, cluster.Client[0].ApplySync(() => Engine.Id));
        Assert.Equal([0], cluster.Client.Ids);
    }

    [Fact]
    public async Task Managed_out_of_memory_is_a_remote_exception_and_the_engine_keeps_its_namespace()
    {
        // A hard heap limit makes the runtime's OutOfMemoryException deterministic without starving the machine.
        var options = new ClusterOptions();
        options.EngineEnvironment["DOTNET_GCHeapHardLimit"] = "0x10000000";
        await using var cluster = await Cluster.StartAsync(1, options);
        var engine = cluster.Client[0];
        engine.PushSync("kept", 42);

        var error = Assert.Throws<RemoteException>(() => engine.ApplySync(() => new byte[512 << 20].Length));
        Assert.Equal(typeof(OutOfMemoryException).FullName, error.RemoteType);
        Assert.Equal(42, engine.ApplySync(() => Engine.Get<int>("kept")));
    }

    [Fact]
    public async Task Engine_environment_reaches_engine_code()
    {
        var options = new ClusterOptions();
        options.EngineEnvironment["PARALLAX_TEST_VALUE"] = "МногоБукв";
        await using var cluster = await Cluster.StartAsync(1, options);
        Assert.Equal("МногоБукв", cluster.Client[0].ApplySync(() => Environment.GetEnvironmentVariable("PARALLAX_TEST_VALUE")));

        // Engines run with the client's globalization (no invariant mode): cultures resolve the same on both.
        Assert.Equal(new System.Globalization.CultureInfo("ru-RU").NumberFormat.NumberDecimalSeparator, cluster.Client[0].ApplySync(() => new System.Globalization.CultureInfo("ru-RU").NumberFormat.NumberDecimalSeparator));
    }

    [Theory]
    [InlineData("mis-signed")]
    [InlineData("oversized")]
    public async Task A_reply_the_client_cannot_accept_fails_the_call_closes_the_connection_and_ends_the_engine(string fault)
    {
        var directory = Path.Combine(Path.GetTempPath(), "parallax-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);

        // The fake engine's process: a stand-in the client must end once it gives up on the connection.
        using var standIn = System.Diagnostics.Process.Start("sleep", "600");
        try
        {
            var info = ConnectionInfo.CreateNew(directory, 1 << 20, 1 << 20);
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(info.SocketPath(0)));
            listener.Listen(1);

            // A fake engine: it says who it is, reads the request, and answers with a reply whose MAC is wrong or whose length is over the limit.
            var fake = Task.Run(() =>
            {
                using var channel = new FrameChannel(listener.Accept(), info.Key, isEngine: true, info.MaxFrameBytes, nonce: System.Security.Cryptography.RandomNumberGenerator.GetBytes(FrameCodec.NonceSize));
                channel.Send(FrameKind.Welcome, 0, MemoryPackSerializer.Serialize(new WelcomeMeta(0, Environment.ProcessId, channel.Nonce.ToArray())), default);
                Frame request;
                do
                {
                    request = channel.Receive()!.Value;
                }
                while (request.RequestId == 0); // the client's handshake, when it sends one
                var reply = fault == "mis-signed"
                    ? FrameCodec.Encode(new byte[32], channel.Nonce, FrameCodec.EngineToClient, 1, FrameKind.Reply, request.RequestId, MemoryPackSerializer.Serialize(new ReplyMeta(0, 0, "", "", null, null)), default)
                    : BitConverter.GetBytes((uint)(info.MaxFrameBytes + 1));
                channel.SendRaw(reply);
                return channel.Receive(); // null once the client closes the connection
            });

            var logged = new List<string>();
            var connection = EngineConnection.Connect(0, standIn, info, line => { lock (logged) { logged.Add(line); } }, new PushSegments("test"));
            var result = AsyncResult.ForAction([0], default);
            connection.Send(FrameKind.Ping, default, default, result, 0);

            var died = await Assert.ThrowsAsync<EngineDiedException>(() => result.WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains(fault == "mis-signed" ? "integrity check" : "oversized frame", died.Message);
            Assert.False(connection.IsAlive);
            Assert.Null(await fake.WaitAsync(TimeSpan.FromMinutes(1)));
            lock (logged)
            {
                Assert.Contains(logged, l => l.Contains(fault, StringComparison.Ordinal));
            }

            // Unreachable but running would be an orphan holding memory: the client ended it (a hang guard, not a time assertion).
            Assert.True(standIn.WaitForExit(TimeSpan.FromMinutes(1)), "the engine the client gave up on still runs");
        }
        finally
        {
            if (!standIn.HasExited)
            {
                standIn.Kill();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task One_push_to_three_engines_writes_one_segment_that_all_of_them_map()
    {
        await using var cluster = await Cluster.StartAsync(3);
        var v = cluster.Client[..];
        var x = Enumerable.Range(0, 1 << 18).Select(i => (double)i).ToArray(); // 2 MB, above the threshold
        v.PushSync("x", x);
        Assert.Equal(1, cluster.PushSegments.Created);
        Assert.Single(Directory.EnumerateFiles(cluster.Connection.SegmentFolder));

        // Each engine checks its read against the one tag the push carried.
        Assert.All(v.ApplySync(() => Engine.Get<double[]>("x")[^1]), last => Assert.Equal(x[^1], last));
    }
}
