using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Parallax.Engines.Silos;

namespace Parallax.Benchmarks.Engines;

/// <summary>
/// The first push and the first pull of a process, each backend in fresh processes whose order alternates
/// from round to round: <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engines-orleans --cold [rounds] [N]</c>.
/// A child starts 3 engines (3 silo processes with TLS, or 3 local engine processes), pushes a and b
/// once, makes c = a on every engine, pulls c once, and prints the times with the first touch of 200 MB
/// of new memory measured in the same process: what a user's first transfers meet, which the main bench's
/// "first" rows measure only after everything else ran in its process.
/// </summary>
internal static class SiloColdBench
{
    public const string ChildVerb = "engines-orleans-cold-child";

    public static void Run(int rounds, int n)
    {
        var bytes = n * (long)n * sizeof(double);
        Console.WriteLine($"First transfers of a process, 3 engines, matrices {n}x{n}, {rounds} rounds in fresh processes (order alternating), medians; load average {ChildProcesses.Load()}");
        var runs = new Dictionary<string, List<Dictionary<string, double>>> { ["orleans"] = [], ["local"] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var kind in round % 2 == 0 ? new[] { "orleans", "local" } : ["local", "orleans"])
            {
                var figures = RunChild(kind, n);
                runs[kind].Add(figures);
                Console.WriteLine($"  round {round + 1} {kind,-8} push {figures["push"]:F3} s, pull {figures["pull"]:F3} s, first touch {figures["touch"]:F3} s per 200 MB (load {ChildProcesses.Load()})");
            }
        }

        double Median(string kind, string key) => runs[kind].Select(r => r[key]).Order().ElementAt(runs[kind].Count / 2);
        Console.WriteLine($"{"what (medians)",-52} {"Orleans",12} {"local",12} {"ratio",8}");
        foreach (var (key, what, moved) in new[] { ("push", $"first push a, b: GB/s reaching engines (3 x {2 * bytes / 1e6:F0} MB)", 6 * bytes), ("pull", $"first pull c: GB/s back from engines (3 x {bytes / 1e6:F0} MB)", 3 * bytes) })
        {
            double remote = moved / Median("orleans", key) / 1e9, local = moved / Median("local", key) / 1e9;
            Console.WriteLine($"{what,-52} {remote,8:F2} GB/s {local,8:F2} GB/s {remote / local,7:F2}x");
        }

        var touch = Median("local", "touch") * (bytes / 200e6);
        Console.WriteLine($"floor of the pull's new arrays (3 x {bytes / 1e6:F0} MB first touched at the child's measured rate): {3 * touch:F3} s = {3 * bytes / (3 * touch) / 1e9:F2} GB/s; load average {ChildProcesses.Load()}");
    }

    /// <summary>One backend's first push and pull in this fresh process, printed as one JSON object.</summary>
    public static async Task ChildAsync(string[] args)
    {
        var kind = args[0];
        var n = int.Parse(args[1], CultureInfo.InvariantCulture);
        var a = EnginesBench.Random(n, n, 1);
        var b = EnginesBench.Random(n, n, 2);
        var figures = new Dictionary<string, double> { ["touch"] = EngineThreadsBench.FreshTouchSeconds(200_000_000) };
        LocalSilos? silos = null;
        OrleansEngines? orleans = null;
        Cluster? cluster = null;
        try
        {
            Client client;
            if (kind == "orleans")
            {
                silos = await LocalSilos.StartAsync(3);
                orleans = await OrleansEngines.ConnectAsync(silos.Info, TimeSpan.FromMinutes(2));
                client = new Client(orleans);
            }
            else
            {
                cluster = await Cluster.StartAsync(3);
                client = cluster.Client;
            }

            var v = client[..];
            v.ApplySync(() => "Hello!");
            var clock = Stopwatch.StartNew();
            v.PushSync(new { a, b });
            figures["push"] = clock.Elapsed.TotalSeconds;

            v.ApplySync(() => Engine.Set("c", Engine.Get<double[,]>("a")));
            clock.Restart();
            var c = v.PullSync<double[,]>("c");
            figures["pull"] = clock.Elapsed.TotalSeconds;
            if (c.Length != 3 || c[2][n - 1, n - 1] != a[n - 1, n - 1])
            {
                throw new InvalidOperationException("pull returned the wrong matrix");
            }
        }
        finally
        {
            if (orleans is not null)
            {
                await orleans.DisposeAsync();
            }

            if (silos is not null)
            {
                await silos.DisposeAsync();
            }

            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(figures));
    }

    private static Dictionary<string, double> RunChild(string kind, int n) =>
        ChildProcesses.RunJson(ChildProcesses.Self(ChildVerb, kind, n.ToString(CultureInfo.InvariantCulture)), kind)
        ?? throw new InvalidOperationException($"the {kind} child failed: see the line above");
}
