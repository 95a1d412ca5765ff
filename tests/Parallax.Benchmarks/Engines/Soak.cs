using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Parallax.Engines;
using Parallax.Engines.Transport;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// The soak test of issue 15, outside CI:
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- soak [minutes, default 60] [--seed N]</c>.
/// One client thread drives a 3-engine cluster with a random mix of calls (one at a time and many in
/// flight), pushes and pulls of 1 KB to 32 MB, engine-made values, scatters and gathers, and injects
/// faults among them: kill -9 of an idle engine, of an engine in the middle of a call or of a large push,
/// garbage on an engine's socket, and now and then the whole cluster disposed and started again. Every
/// value that should have survived is checked (SHA-256 on both sides); anything wrong or missing is
/// "bytes lost" (the goal is 0). It prints calls served, faults injected, bytes moved and lost, files
/// left behind, and the memory of the client and of the engines at the start and at the end.
/// </summary>
internal static class Soak
{
    private const int Engines = 3;
    private static readonly string[] Names = ["s0", "s1", "s2", "s3", "s4", "s5"];

    public static async Task RunAsync(string[] args)
    {
        var minutes = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } m ? double.Parse(m, CultureInfo.InvariantCulture) : 60;
        var seed = args.SkipWhile(a => a != "--seed").Skip(1).FirstOrDefault() is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Environment.TickCount;
        var state = new State(new Random(seed));
        Console.WriteLine($"Soak: {minutes} min, seed {seed}, {Environment.ProcessorCount} cores, load average {LoadAverage()}");

        var deadline = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromMinutes(1);
        var nextClusterRestart = TimeSpan.FromMinutes(state.Random.Next(5, 10));
        var cluster = await StartAsync(state);
        state.Before = Memory.Now(cluster);
        Console.WriteLine($"  start: {state.Before}");
        try
        {
            while (deadline.Elapsed < TimeSpan.FromMinutes(minutes))
            {
                try
                {
                    await StepAsync(cluster, state);
                }
                catch (Exception ex)
                {
                    state.Unexpected++;
                    Console.WriteLine($"  UNEXPECTED at {deadline.Elapsed:hh\\:mm\\:ss}: {ex.GetType().Name}: {ex.Message}");
                    state.Forget(); // its outcome is unknown: check nothing that step may have touched
                }

                if (deadline.Elapsed >= nextClusterRestart)
                {
                    await DisposeAsync(cluster, state);
                    cluster = await StartAsync(state);
                    state.Faults["cluster disposed and started again"]++;
                    nextClusterRestart = deadline.Elapsed + TimeSpan.FromMinutes(state.Random.Next(5, 10));
                }

                if (deadline.Elapsed >= nextReport)
                {
                    Console.WriteLine($"  {deadline.Elapsed:hh\\:mm\\:ss} {state.Summary()}; {Memory.Now(cluster)}");
                    nextReport += TimeSpan.FromMinutes(1);
                }
            }

            // A last full check of everything the engines should hold.
            await VerifyAllAsync(cluster, state);
            state.After = Memory.Now(cluster);
        }
        finally
        {
            await DisposeAsync(cluster, state);
        }

        GC.WaitForPendingFinalizers();
        Memory.Collect();
        Console.WriteLine($"Soak done after {deadline.Elapsed:hh\\:mm\\:ss}, load average {LoadAverage()}");
        Console.WriteLine($"  {state.Summary()}");
        Console.WriteLine($"  faults: {string.Join(", ", state.Faults.Select(f => $"{f.Key} {f.Value}"))}");
        Console.WriteLine($"  memory at the start:       {state.Before}");
        Console.WriteLine($"  memory at the end:         {state.After}");
        Console.WriteLine($"  client after dispose + GC: {Memory.Client()}");
        Console.WriteLine($"  folders and files left by {state.Clusters.Count} clusters: {LeftFiles(state.Clusters)}");
        Environment.ExitCode = state.BytesLost == 0 && state.Unexpected == 0 && LeftFiles(state.Clusters) == 0 ? 0 : 1;
    }

    private static async Task StepAsync(Cluster cluster, State state)
    {
        var random = state.Random;
        var v = cluster.Client[..];
        switch (random.Next(100))
        {
            case < 25:
            {
                // Round trips, one at a time.
                for (var i = 0; i < 50; i++)
                {
                    Expect(v.ApplySync(() => Engine.Id).SequenceEqual([0, 1, 2]), "ids");
                    state.Calls += Engines;
                }

                break;
            }

            case < 35:
            {
                // Many calls in flight at once, each carrying data it must hand back.
                var calls = Enumerable.Range(0, 32).Select(i =>
                {
                    var x = Values(random.Next(1, 20_000), i);
                    var digest = Digest(x);
                    return (Digest: digest, Result: v.ApplyAsync(() => SoakSide.Digest(x)));
                }).ToArray();
                foreach (var (digest, result) in calls)
                {
                    var got = await result;
                    state.Check(got.All(d => d == digest), 8L * 20_000 * Engines);
                    state.Calls += Engines;
                }

                break;
            }

            case < 55:
            {
                // A push of 1 KB to 64 MB, to all engines or one.
                var name = Names[random.Next(Names.Length)];
                var x = Values(Size(random), random.Next());
                int[] targets = random.Next(3) == 0 ? [random.Next(Engines)] : [0, 1, 2];
                await cluster.Client[targets].PushAsync(name, x);
                foreach (var target in targets)
                {
                    state.Expected[(target, name)] = (Digest(x), 8L * x.Length);
                }

                state.Calls += targets.Length;
                state.Moved += 8L * x.Length * targets.Length;
                break;
            }

            case < 70:
            {
                // Check what an engine holds: on the engine, and pulled back.
                if (state.Expected.Count == 0)
                {
                    break;
                }

                var ((engine, name), (digest, bytes)) = state.Expected.ElementAt(random.Next(state.Expected.Count));
                var onEngine = cluster.Client[engine].ApplySync(() => SoakSide.DigestOf(name));
                state.Check(onEngine == digest, bytes);
                var pulled = await cluster.Client[engine].PullAsync<double[]>(name);
                state.Check(Digest(pulled) == digest, bytes);
                state.Calls += 2;
                state.Moved += bytes;
                break;
            }

            case < 78:
            {
                // Values the engines make, pulled (large ones through their reply segments).
                var n = Size(random);
                var seed = random.Next();
                v.ApplySync(() => Engine.Set("made", SoakSide.Make(n, seed + Engine.Id)));
                var pulled = await v.PullAsync<double[]>("made");
                for (var i = 0; i < Engines; i++)
                {
                    state.Check(Digest(pulled[i]) == Digest(Values(n, seed + i)), 8L * n);
                }

                state.Calls += 2 * Engines;
                state.Moved += 8L * n * Engines;
                break;
            }

            case < 84:
            {
                var x = Values(Size(random), random.Next());
                await v.ScatterAsync("scattered", x);
                var back = await v.GatherAsync<double[]>("scattered");
                state.Check(Digest(back) == Digest(x), 8L * x.Length);
                state.Calls += 2 * Engines;
                state.Moved += 16L * x.Length;
                break;
            }

            case < 89:
            {
                // kill -9 of an engine in the middle of a call: that engine's part fails, the others answer.
                var victim = random.Next(Engines);
                var call = v.ApplyAsync(() =>
                {
                    Thread.Sleep(200);
                    return Engine.Id;
                });
                await Task.Delay(random.Next(0, 150));
                await KillAndRestartAsync(cluster, state, victim, "kill -9 during a call", async () =>
                {
                    try
                    {
                        Expect((await call).SequenceEqual([0, 1, 2]), "ids"); // the call won the race
                        state.Calls += Engines;
                    }
                    catch (EngineDiedException died) when (died.EngineId == victim)
                    {
                        state.Calls += Engines - 1;
                    }
                });
                break;
            }

            case < 93:
            {
                // kill -9 of an engine while a large push is under way.
                var victim = random.Next(Engines);
                var name = Names[random.Next(Names.Length)];
                var x = Values(random.Next(1 << 20, 8 << 20), random.Next());
                var push = v.PushAsync(name, x);
                await Task.Delay(random.Next(0, 30));
                await KillAndRestartAsync(cluster, state, victim, "kill -9 during a push", async () =>
                {
                    try
                    {
                        await push;
                    }
                    catch (EngineDiedException died) when (died.EngineId == victim)
                    {
                    }

                    // Whatever the victim got is gone with it; the others stored the value.
                    foreach (var target in new[] { 0, 1, 2 }.Where(t => t != victim))
                    {
                        state.Expected[(target, name)] = (Digest(x), 8L * x.Length);
                    }

                    state.Calls += Engines - 1;
                    state.Moved += 8L * x.Length * Engines;
                });
                break;
            }

            case < 96:
            {
                await KillAndRestartAsync(cluster, state, random.Next(Engines), "kill -9 of an idle engine", () => Task.CompletedTask);
                break;
            }

            default:
            {
                // A local peer without the key: garbage, a huge length prefix, or a silent connection.
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    socket.Connect(new UnixDomainSocketEndPoint(cluster.Connection.SocketPath(random.Next(Engines))));
                    var junk = new byte[random.Next(4, 100_000)];
                    random.NextBytes(junk);
                    if (random.Next(2) == 0)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(junk, (uint)random.Next());
                    }

                    socket.Send(junk);
                }
                catch (SocketException)
                {
                    // The engine closed it: as it should.
                }
                finally
                {
                    socket.Dispose();
                }

                state.Faults["garbage from a peer without the key"]++;
                Expect(v.ApplySync(() => Engine.Id).SequenceEqual([0, 1, 2]), "ids after garbage");
                state.Calls += Engines;
                break;
            }
        }
    }

    private static async Task KillAndRestartAsync(Cluster cluster, State state, int victim, string fault, Func<Task> thenCheck)
    {
        var process = cluster.GetEngine(victim)!.Process;
        var replySegments = Directory.EnumerateFiles(cluster.Connection.SegmentFolder, $"e{victim}-*").ToArray();
        process.Kill();
        state.Faults[fault]++;
        await thenCheck();
        await cluster.RestartEngineAsync(victim);
        await cluster.Client.WaitForEnginesAsync(Engines, TimeSpan.FromMinutes(1));
        foreach (var key in state.Expected.Keys.Where(k => k.Engine == victim).ToArray())
        {
            state.Expected.Remove(key); // a killed engine's namespace is gone by design, not lost
        }

        state.Leaked += replySegments.Where(File.Exists).Sum(f => new FileInfo(f).Length);
    }

    private static async Task VerifyAllAsync(Cluster cluster, State state)
    {
        foreach (var ((engine, name), (digest, bytes)) in state.Expected.ToArray())
        {
            state.Check(cluster.Client[engine].ApplySync(() => SoakSide.DigestOf(name)) == digest, bytes);
            state.Check(Digest(await cluster.Client[engine].PullAsync<double[]>(name)) == digest, bytes);
            state.Calls += 2;
        }
    }

    private static async Task<Cluster> StartAsync(State state)
    {
        var cluster = await Cluster.StartAsync(Engines);
        state.Clusters.Add((cluster.Connection.Directory, cluster.Connection.SegmentFolder));
        return cluster;
    }

    private static async Task DisposeAsync(Cluster cluster, State state)
    {
        await VerifyAllAsync(cluster, state);
        await cluster.DisposeAsync();
        state.Expected.Clear();
    }

    /// <summary>Folders and files of disposed clusters still there (goal 0).</summary>
    private static int LeftFiles(IEnumerable<(string Sockets, string Segments)> clusters) =>
        clusters.SelectMany(c => new[] { c.Sockets, c.Segments }).Where(Directory.Exists)
            .Sum(d => 1 + Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Count());

    /// <summary>1 KB to 32 MB, most of them small: a log-uniform size in doubles.</summary>
    private static int Size(Random random) => (int)Math.Pow(2, 7 + (random.NextDouble() * 15));

    private static double[] Values(int n, int seed) => SoakSide.Make(n, seed);

    private static string Digest(double[] x) => SoakSide.Digest(x);

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"wrong result: {what}");
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private sealed class State(Random random)
    {
        public Random Random { get; } = random;

        /// <summary>What each engine's namespace must hold: the value's digest and size.</summary>
        public Dictionary<(int Engine, string Name), (string Digest, long Bytes)> Expected { get; } = [];

        public Dictionary<string, int> Faults { get; } = new()
        {
            ["kill -9 of an idle engine"] = 0,
            ["kill -9 during a call"] = 0,
            ["kill -9 during a push"] = 0,
            ["garbage from a peer without the key"] = 0,
            ["cluster disposed and started again"] = 0,
        };

        public List<(string Sockets, string Segments)> Clusters { get; } = [];

        public long Calls { get; set; }

        public long Moved { get; set; }

        public long Verified { get; set; }

        public long BytesLost { get; set; }

        public long Leaked { get; set; }

        public int Unexpected { get; set; }

        public Memory? Before { get; set; }

        public Memory? After { get; set; }

        public void Check(bool intact, long bytes)
        {
            Verified += bytes;
            if (!intact)
            {
                BytesLost += bytes;
                Console.WriteLine($"  LOST {bytes} bytes");
            }
        }

        /// <summary>After an unexpected failure nothing is known about what the engines hold.</summary>
        public void Forget() => Expected.Clear();

        public string Summary() =>
            $"calls served {Calls}, faults injected {Faults.Values.Sum()}, bytes moved {Moved / 1e9:F2} GB, bytes verified {Verified / 1e9:F2} GB, bytes lost {BytesLost}, " +
            $"reply segments left by killed engines {Leaked} bytes, unexpected errors {Unexpected}";
    }

    internal sealed record Memory(long ClientRss, int ClientFds, long EnginesRss, long SegmentBytes)
    {
        public static Memory Now(Cluster cluster)
        {
            Collect();
            var engines = Enumerable.Range(0, Engines).Select(cluster.GetEngine).OfType<Cluster.RunningEngine>().Sum(e => Rss(e.Process.Id));
            var segments = Directory.Exists(cluster.Connection.SegmentFolder) ? Directory.EnumerateFiles(cluster.Connection.SegmentFolder).Sum(f => new FileInfo(f).Length) : 0;
            return new Memory(Rss(Environment.ProcessId), Directory.GetFiles("/proc/self/fd").Length, engines, segments);
        }

        /// <summary>A full, compacting collection that gives freed memory back to the system: RSS then shows what is live.</summary>
        public static void Collect() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        public static string Client() => $"client RSS {Rss(Environment.ProcessId) >> 20} MiB, {Directory.GetFiles("/proc/self/fd").Length} open files";

        public override string ToString() =>
            $"client RSS {ClientRss >> 20} MiB, {ClientFds} open files; engines RSS {EnginesRss >> 20} MiB; segments {SegmentBytes >> 20} MiB";

        private static long Rss(int pid)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                return 0;
            }
        }
    }
}

/// <summary>What the soak test's lambdas run on the engines.</summary>
public static class SoakSide
{
    public static double[] Make(int n, int seed)
    {
        var random = new Random(seed);
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = random.NextDouble();
        }

        return x;
    }

    public static string Digest(double[] x) => Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(x.AsSpan())));

    public static string DigestOf(string name) => Digest(Engine.Get<double[]>(name));
}
