using System.Diagnostics;
using System.Globalization;

namespace Parallax.Benchmarks.Engines;

using Linalg = Parallax.Linalg;

/// <summary>
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- engine-threads [N] [--rounds R]</c>: the
/// seed's Dot cell (every engine computes the whole product) on 3 engines, with 1, 2 and 3 GEMM threads
/// per engine (ClusterOptions.LinalgThreadsPerEngine), clusters alternated R times, medians. When engines
/// outnumber cores, one thread each leaves a core idle while an engine waits on page faults and once
/// two engines have finished; more threads per engine oversubscribe the cores instead. Printed beside
/// each: the physical floor, 3 products at the FMA rate measured now on every core plus the first
/// touch of the 3 new results.
/// </summary>
internal static class EngineThreadsBench
{
    public static async Task RunAsync(string[] args)
    {
        int at = Array.IndexOf(args, "--rounds");
        int rounds = at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 3;
        int n = args.Length > 0 && int.TryParse(args[0], out int size) ? size : 5000;
        int[] choices = [1, 2, 3];
        Console.WriteLine($"The Dot cell on 3 engines, N = {n}, {Environment.ProcessorCount} cores, load average {ChildProcesses.Load()}; GEMM threads per engine {string.Join(", ", choices)}, {rounds} rounds alternated, medians");
        var a = Random(n, 1);
        var b = Random(n, 2);
        var times = choices.ToDictionary(t => t, _ => new List<double>());
        var cpu = choices.ToDictionary(t => t, _ => new List<double>());
        for (int r = 0; r < rounds; r++)
        {
            foreach (int threads in r % 2 == 0 ? choices : choices.Reverse())
            {
                // CPU time of the engines, read from the finished children (getrusage RUSAGE_CHILDREN): on a shared
                // machine more threads also win a larger share of the cores from other tenants, which the wall
                // time counts as a gain; the CPU seconds show what the threads themselves cost.
                double cpuBefore = ChildrenCpuSeconds();
                {
                    await using var cluster = await Cluster.StartAsync(3, new ClusterOptions { LinalgThreadsPerEngine = threads });
                    var v = cluster.Client[..];
                    await v.PushAsync(new { a, b });
                    var clock = Stopwatch.StartNew();
                    await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
                    times[threads].Add(clock.Elapsed.TotalSeconds);
                }

                cpu[threads].Add(ChildrenCpuSeconds() - cpuBefore);
                Console.WriteLine($"  round {r + 1}, {threads} thread(s) per engine: {times[threads][^1]:F2} s, engines' CPU {cpu[threads][^1]:F1} s (whole engine lives)");
            }
        }

        double peak = FmaPeakGflops();
        double compute = 3 * 2.0 * n * n * n / (peak * 1e9);
        double touch = FreshTouchSeconds(3L * n * n * sizeof(double));
        double floor = compute + touch;
        Console.WriteLine($"floor: 3 x {2.0 * n * n * n / 1e9:F0} GFLOP at {peak:F0} GFLOP/s (both cores, measured now) = {compute:F2} s, + first touch of 3 x {n * (long)n * 8 / 1e6:F0} MB results {touch:F2} s = {floor:F2} s");
        foreach (int threads in choices)
        {
            double median = Median(times[threads]);
            Console.WriteLine($"  {threads} GEMM thread(s) per engine: {median,6:F2} s, {floor / median,5:P0} of the floor, {median / Median(times[choices[0]]):F2}x one thread; " +
                $"engines' CPU {Median(cpu[threads]):F1} s, {Median(cpu[threads]) / Median(cpu[choices[0]]):F2}x one thread's");
        }

        Console.WriteLine($"load average after: {ChildProcesses.Load()}");
    }

    /// <summary>What every core's Vector512 FMA pipes deliver right now: the busy-machine gauge the linalg bench uses.</summary>
    internal static double FmaPeakGflops() => global::Notebook.MachineFloors.FmaGflops();

    internal static double FreshTouchSeconds(long bytes) => global::Notebook.MachineFloors.FreshTouchSeconds(bytes);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static unsafe double ChildrenCpuSeconds()
    {
        const int RusageChildren = -1;
        var usage = stackalloc long[18]; // struct rusage: ru_utime and ru_stime (timeval: seconds, microseconds), then 14 longs
        return GetRusage(RusageChildren, usage) != 0 ? double.NaN : usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "getrusage")]
    private static extern unsafe int GetRusage(int who, long* usage);

    private static double[,] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[i, j] = rng.NextDouble();
            }
        }

        return m;
    }
}
