using System.Diagnostics;
using System.Globalization;
using Parallax.Engines.Silos;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// The Orleans backend's figures next to the local-socket backend's, in one run:
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engines-orleans [N]</c>
/// (<c>--cold [rounds] [N]</c>: the first transfers in fresh processes, <see cref="SiloColdBench"/>).
/// Both backends run the same client API calls on 3 engines; each row is Orleans, local sockets, and
/// their ratio. Data rows count the bytes that reach engines (or come back) over the time taken.
/// </summary>
internal static class SiloBench
{
    public static async Task RunAsync(string[] args)
    {
        var numbers = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray();
        var n = numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 5000;
        var withoutTls = args.Contains("--without-tls");
        if (withoutTls)
        {
            // Only to see what TLS costs: the silos of this run let anyone who reaches their ports in.
            Environment.SetEnvironmentVariable(ClusterCredentials.Insecure, ClusterCredentials.Insecure);
        }

        var bytes = n * (long)n * 8;
        if (args.Contains("--cold"))
        {
            // engines-orleans --cold [rounds] [N]: the first transfers of a process, in fresh processes.
            SiloColdBench.Run(numbers.Length > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 3, numbers.Length > 1 ? int.Parse(numbers[1], CultureInfo.InvariantCulture) : 5000);
            return;
        }

        if (args.Contains("--breakdown"))
        {
            // Where a push's time goes: the transport alone, with and without TLS, and fresh memory.
            await SiloTransferBreakdown.RunAsync(numbers.Length > 0 ? long.Parse(numbers[0], CultureInfo.InvariantCulture) * 1_000_000 : 400_000_000);
            return;
        }

        Console.WriteLine($"Orleans backend benchmark: {Environment.ProcessorCount} cores, load average {LoadAverage()}, matrices {n}x{n} ({bytes / 1e6:F0} MB each){(withoutTls ? ", silos WITHOUT TLS (to measure its cost)" : "")}");
        Console.WriteLine($"{"what",-58} {"Orleans",12} {"local",12} {"ratio",8}");

        // Ready: silo processes joined and a client connected with every engine greeted; local engines started and connected.
        var silosReady = new List<double>();
        var localReady = new List<double>();
        for (var round = 0; round < (args.Contains("--transfers-only") ? 0 : 2); round++)
        {
            var sw = Stopwatch.StartNew();
            await using (var silos = await LocalSilos.StartAsync(3))
            await using (await OrleansEngines.ConnectAsync(silos.Info, TimeSpan.FromMinutes(2)))
            {
                silosReady.Add(sw.Elapsed.TotalSeconds);
            }

            sw.Restart();
            await using (await Cluster.StartAsync(3))
            {
                localReady.Add(sw.Elapsed.TotalSeconds);
            }
        }

        if (silosReady.Count > 0)
        {
            Row("3 engines ready, client connected (best of 2)", silosReady.Min(), localReady.Min(), "s");
        }

        await using var silo = await LocalSilos.StartAsync(3, withoutTls: withoutTls);
        await using var orleans = await OrleansEngines.ConnectAsync(silo.Info, TimeSpan.FromMinutes(2));
        await using var cluster = await Cluster.StartAsync(3);
        var remoteClient = new Client(orleans);
        var remote = remoteClient[..];
        var local = cluster.Client[..];

        Row("ApplySync(() => \"Hello!\") round trip, 3 engines (median)", RoundTrip(remote) * 1e3, RoundTrip(local) * 1e3, "ms");

        var a = Random(n, n, 1);
        var b = Random(n, n, 2);
        var pushes = Interleaved(remoteClient, cluster.Client, c => c[..].PushSync(new { a, b }), out var firstPush);
        Row($"push a, b ({2 * bytes / 1e6:F0} MB) to 3 engines (best of 3)", pushes.Remote, pushes.Local, "s");
        Rate($"  = GB/s reaching engines (3 x {2 * bytes / 1e6:F0} MB)", 3 * 2 * bytes, pushes);
        Rate("  first push (fresh buffers on both ends), GB/s", 3 * 2 * bytes, firstPush);

        remote.ApplySync(() => Engine.Set("c", Engine.Get<double[,]>("a")));
        local.ApplySync(() => Engine.Set("c", Engine.Get<double[,]>("a")));
        void PullC(Client client)
        {
            var c = client[..].PullSync<double[,]>("c");
            if (c.Length != 3 || c[2][n - 1, n - 1] != a[n - 1, n - 1])
            {
                throw new InvalidOperationException("pull returned the wrong matrix");
            }
        }

        var pulls = Interleaved(remoteClient, cluster.Client, PullC, out var firstPull);
        Row($"pull c from 3 engines (3 x {bytes / 1e6:F0} MB, best of 3)", pulls.Remote, pulls.Local, "s");
        Rate($"  = GB/s back from engines", 3 * bytes, pulls);
        Rate("  first pull (fresh buffers on both ends), GB/s", 3 * bytes, firstPull);
        remote.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c"));
        local.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c"));

        var tiny = Interleaved(remoteClient, cluster.Client, client =>
        {
            var calls = Enumerable.Range(0, 1000).Select(i => client[i % 3].ApplyAsync(() => i * 2)).ToArray();
            Task.WhenAll(calls.Select(c => c.WaitAsync())).GetAwaiter().GetResult();
        });
        Row("1000 tiny calls spread over 3 engines (best of 3)", tiny.Remote, tiny.Local, "s");

        // The task farm over each backend: least-loaded scheduling, automatic chunks, ordered results.
        var items = Enumerable.Range(0, 1000).ToArray();
        var firstRemote = Time(() => remoteClient.LoadBalancedView().MapSync(x => x + 1, items));
        var firstLocal = Time(() => cluster.Client.LoadBalancedView().MapSync(x => x + 1, items));
        Row("1000 tiny load-balanced tasks (x => x + 1), first map", firstRemote, firstLocal, "s");
        var balanced = Interleaved(remoteClient, cluster.Client, client => client.LoadBalancedView().MapSync(x => x + 1, items));
        Row("1000 tiny load-balanced tasks, warm (best of 3)", balanced.Remote, balanced.Local, "s");
        var one = Interleaved(remoteClient, cluster.Client, client => client.LoadBalancedView().MapSync(x => x + 1, items, chunkSize: 1));
        Row("1000 tiny load-balanced tasks, chunkSize: 1 (best of 3)", one.Remote, one.Local, "s");

        Row("kill -9 of an engine's process to EngineDiedException", await SiloDeathAsync(orleans, silo) * 1e3, await LocalDeathAsync() * 1e3, "ms");
        Console.WriteLine($"  ipyparallel: about 30 000 ms (10 missed 3-second heartbeats); goal for silos: 2 000 ms");
        Console.WriteLine($"load average at the end {LoadAverage()}");
    }

    private static (double Remote, double Local) Interleaved(Client remote, Client local, Action<Client> action) =>
        Interleaved(remote, local, action, out _);

    /// <summary>Best of 3 interleaved rounds after a first one (timed too, into <paramref name="first"/>: fresh buffers, first deserializers).</summary>
    private static (double Remote, double Local) Interleaved(Client remote, Client local, Action<Client> action, out (double Remote, double Local) first)
    {
        first = (Time(() => action(remote)), Time(() => action(local)));
        var (r, l) = (new List<double>(), new List<double>());
        for (var round = 0; round < 3; round++)
        {
            r.Add(Time(() => action(remote)));
            l.Add(Time(() => action(local)));
        }

        return (r.Min(), l.Min());
    }

    private static double RoundTrip(DirectView v)
    {
        for (var i = 0; i < 200; i++)
        {
            v.ApplySync(() => "Hello!");
        }

        var samples = new List<double>();
        for (var i = 0; i < 1000; i++)
        {
            samples.Add(Time(() => v.ApplySync(() => "Hello!")));
        }

        return samples.Order().ElementAt(samples.Count / 2);
    }

    /// <summary>An engine's silo is killed while it runs a call that would never end; the time until the call fails.</summary>
    private static async Task<double> SiloDeathAsync(OrleansEngines engines, LocalSilos silos)
    {
        var client = new Client(engines);
        var call = client[2].ApplyAsync(() => Thread.Sleep(Timeout.Infinite));
        while (engines.Connection(2)!.Pending == 0)
        {
            await Task.Delay(10);
        }

        await Task.Delay(200);
        var sw = Stopwatch.StartNew();
        silos.Kill(2);
        try
        {
            await call;
        }
        catch (EngineDiedException)
        {
            return sw.Elapsed.TotalSeconds;
        }

        throw new InvalidOperationException("the call on the killed silo did not fail with EngineDiedException");
    }

    private static async Task<double> LocalDeathAsync()
    {
        await using var cluster = await Cluster.StartAsync(3);
        var call = cluster.Client[2].ApplyAsync(() => Thread.Sleep(Timeout.Infinite));
        cluster.Client[0].ApplySync(() => 0);
        await Task.Delay(200);
        var sw = Stopwatch.StartNew();
        cluster.GetEngine(2)!.Process.Kill();
        try
        {
            await call;
        }
        catch (EngineDiedException)
        {
            return sw.Elapsed.TotalSeconds;
        }

        throw new InvalidOperationException("the call on the killed engine did not fail with EngineDiedException");
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static void Row(string what, double remote, double local, string unit) =>
        Console.WriteLine($"{what,-58} {Format(remote, unit),12} {Format(local, unit),12} {remote / local,7:F2}x");

    private static void Rate(string what, long total, (double Remote, double Local) seconds) =>
        Console.WriteLine($"{what,-58} {total / seconds.Remote / 1e9,9:F2} GB/s {total / seconds.Local / 1e9,7:F2} GB/s {seconds.Local / seconds.Remote,7:F2}x");

    private static string Format(double value, string unit) => $"{value.ToString(value < 10 ? "F3" : "F1", CultureInfo.InvariantCulture)} {unit}";

    private static string LoadAverage() => EnginesBench.LoadAverage();

    private static double[,] Random(int rows, int columns, int seed) => EnginesBench.Random(rows, columns, seed);
}
