using System.Diagnostics;
using System.Numerics;
using System.Runtime;
using Parallax;

namespace Notebook.Sections;

/// <summary>
/// The seed's GIL experiment: factorial(100000) once on one thread, then twice on two threads. In
/// CPython the two threads take longer than twice one (the GIL lets one run at a time). .NET has no
/// GIL, so two threads on two cores should do twice the work in the same time, a speed-up near 2x:
/// speed-up = 2 × (time of one) / (time of two at once).
/// </summary>
internal sealed partial class GilExperiment : Section
{
    public override string Title => "The GIL experiment (factorial(100000) on one and two threads)";

    /// <summary>The seed's factorial, as written: a running product, one multiplication per n.</summary>
    [Thread]
    internal static BigInteger Factorial(int number)
    {
        BigInteger fact = 1;
        for (int n = 1; n <= number; n++)
        {
            fact *= n;
        }

        return fact;
    }

    /// <summary>
    /// The same product as a balanced tree: (1·…·k)·(k+1·…·n), recursively. Operands stay balanced, so
    /// BigInteger uses its sub-quadratic (Karatsuba) multiplication, and only the last few products
    /// are large: far fewer large-object-heap allocations, each doing much more work.
    /// </summary>
    [Thread]
    internal static BigInteger FactorialTree(int number) => Product(1, number);

    /// <summary>
    /// The product tree <paramref name="times"/> times over: one tree takes about 0.1 s, where a single
    /// scheduler hiccup moves the ratio; timing several per thread reads the same speed-up with less noise.
    /// </summary>
    [Thread]
    internal static void FactorialTreeRepeated(int number, int times)
    {
        int check = 0;
        for (int i = 0; i < times; i++)
        {
            check ^= (int)(FactorialTree(number) & int.MaxValue);
        }

        Interlocked.Add(ref s_sink, check);
    }

    private static BigInteger Product(int lo, int hi)
    {
        if (hi - lo < 32)
        {
            // Small ranges fit in a long for a while: multiply there first, box into BigInteger late.
            BigInteger acc = BigInteger.One;
            long chunk = 1;
            for (long n = lo; n <= hi; n++)
            {
                if (chunk > long.MaxValue / n)
                {
                    acc *= chunk;
                    chunk = 1;
                }

                chunk *= n;
            }

            return acc * chunk;
        }

        int mid = (int)(((long)lo + hi) / 2);
        return Product(lo, mid) * Product(mid + 1, hi);
    }

    // Every timed thread's result ends up here, so the JIT cannot drop the work as unused. Added with
    // Interlocked: two threads finish at once, and a lost update would be the very race PAR3001 reports.
    private static int s_sink;

    /// <summary>
    /// The calibration row: pure register arithmetic, no allocation, no shared memory. Its speed-up is
    /// what two threads can get on this machine at this moment (other processes share the cores), the
    /// ceiling to read the factorial rows against.
    /// </summary>
    [Thread]
    internal static void Spin(int millions)
    {
        uint x = 2463534242;
        for (long i = 0; i < millions * 1_000_000L; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }

        Interlocked.Add(ref s_sink, (int)x);
    }

    /// <summary>
    /// The second calibration row: four independent 64x64→128-bit multiplication chains, the operation
    /// BigInteger's multiplication is made of, with no memory traffic. Two vCPUs that share one core's
    /// multipliers (hyperthreads, as a VM may be given) show it here: the product tree can scale no better.
    /// </summary>
    [Thread]
    internal static void SpinMultiply(int millions)
    {
        ulong a = 0x9E3779B97F4A7C15, b = 0xD1B54A32D192ED03, c = 0x94D049BB133111EB, d = 0xBF58476D1CE4E5B9;
        for (long i = 0; i < millions * 1_000_000L; i++)
        {
            a = Math.BigMul(a, 0xFF51AFD7ED558CCD, out var la) ^ la;
            b = Math.BigMul(b, 0xC4CEB9FE1A85EC53, out var lb) ^ lb;
            c = Math.BigMul(c, 0xFF51AFD7ED558CCD, out var lc) ^ lc;
            d = Math.BigMul(d, 0xC4CEB9FE1A85EC53, out var ld) ^ ld;
        }

        Interlocked.Add(ref s_sink, (int)(a ^ b ^ c ^ d));
    }

    /// <summary>What one timed run cost the process beyond its wall time, averaged over the runs of a variant.</summary>
    /// <param name="Gen2">Gen2 collections: a blocking gen2 collection stops every thread.</param>
    /// <param name="Pause">Seconds of GC pause.</param>
    /// <param name="Kernel">Seconds of kernel CPU: page faults on memory the GC decommitted and commits again show up here.</param>
    /// <param name="PageFaults">Minor page faults (pages touched for the first time since the OS got them back); -1 where /proc is missing.</param>
    /// <param name="Steal">Seconds the hypervisor ran something else on this VM's vCPUs (all of them, from /proc/stat); -1 where missing.</param>
    internal sealed record RunCost(double Gen2, double Pause, double Kernel, double PageFaults, double Steal)
    {
        public override string ToString() => $"{Gen2:F0} gen2, {Pause:F3} s pause, {Kernel:F3} s kernel, {Faults(PageFaults)} faults, {(Steal < 0 ? "n/a" : Steal.ToString("F2"))} s steal";

        internal static string Faults(double n) => n < 0 ? "n/a" : n >= 10_000 ? $"{n / 1000:F0}k" : $"{n:F0}";
    }

    /// <summary>One variant's figures: median seconds on one thread and for two threads at once, and what each run cost.</summary>
    internal sealed record Result(string Variant, double One, double Two, RunCost CostOne, RunCost CostTwo)
    {
        public double SpeedUp => 2 * One / Two;

        // Costs per timed run, for the one-thread run and the two-thread run apart: a blocking gen2
        // collection serves every thread's garbage, and page faults and steal are time the code did
        // not spend computing, so they explain a speed-up far from the calibration's.
        public override string ToString() =>
            $"{Variant,-52} 1 thread {One,7:F3} s | 2 threads {Two,7:F3} s | speed-up {SpeedUp,4:F2}x"
            + $" | gen2 GCs 1t/2t {CostOne.Gen2,5:F0}/{CostTwo.Gen2,-5:F0} | GC pause 1t/2t {CostOne.Pause,6:F3}/{CostTwo.Pause:F3} s"
            + $" | kernel CPU 1t/2t {CostOne.Kernel,6:F3}/{CostTwo.Kernel:F3} s | page faults 1t/2t {RunCost.Faults(CostOne.PageFaults),5}/{RunCost.Faults(CostTwo.PageFaults),-5}"
            + $" | host steal 1t/2t {Steal(CostOne.Steal)}/{Steal(CostTwo.Steal)} s";

        private static string Steal(double s) => s < 0 ? "n/a" : s.ToString("F2");
    }

    /// <summary>Process-wide counters, read before and after a timed run.</summary>
    private readonly record struct Counters(int Gen2, TimeSpan Pause, TimeSpan Kernel, long PageFaults, long StealTicks)
    {
        public static Counters Read(Process self)
        {
            self.Refresh();
            return new Counters(GC.CollectionCount(2), GC.GetTotalPauseDuration(), self.PrivilegedProcessorTime, MinorFaults(), HostSteal());
        }

        public static RunCost Average(List<(Counters Before, Counters After)> runs)
        {
            double n = runs.Count;
            bool faults = runs.All(r => r.Before.PageFaults >= 0), steal = runs.All(r => r.Before.StealTicks >= 0);
            return new RunCost(
                runs.Sum(r => r.After.Gen2 - r.Before.Gen2) / n,
                runs.Sum(r => (r.After.Pause - r.Before.Pause).TotalSeconds) / n,
                runs.Sum(r => (r.After.Kernel - r.Before.Kernel).TotalSeconds) / n,
                faults ? runs.Sum(r => r.After.PageFaults - r.Before.PageFaults) / n : -1,
                // USER_HZ is 100 on every Linux the runtime supports.
                steal ? runs.Sum(r => r.After.StealTicks - r.Before.StealTicks) / n / 100 : -1);
        }

        // Field 10 of /proc/self/stat (after the parenthesised command name, which may hold spaces).
        private static long MinorFaults()
        {
            try
            {
                var fields = File.ReadAllText("/proc/self/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return -1;
            }
            catch (UnauthorizedAccessException)
            {
                return -1;
            }
        }

        // The 8th number of /proc/stat's "cpu" line: ticks the hypervisor gave this VM's vCPUs to someone else.
        private static long HostSteal()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 8 ? long.Parse(fields[8], System.Globalization.CultureInfo.InvariantCulture) : -1;
            }
            catch (IOException)
            {
                return -1;
            }
            catch (UnauthorizedAccessException)
            {
                return -1;
            }
        }
    }

    /// <summary>
    /// Runs one variant <paramref name="reps"/> times, each time one thread and two at once, and keeps
    /// the medians. A full-size warm-up run comes first, and the order alternates from one repetition
    /// to the next, so that neither the one-thread nor the two-thread run is always the first to touch
    /// a cold heap or always the one that follows the other's garbage.
    /// </summary>
    internal static Result Measure(string variant, Func<int, ThreadHandle> factory, int number, int reps)
    {
        // JIT tiering, first use, and the GC's first growth of the heap out of the figures.
        factory(number).Run();
        var ones = new List<double>();
        var twos = new List<double>();
        var oneRuns = new List<(Counters, Counters)>();
        var twoRuns = new List<(Counters, Counters)>();
        using var self = Process.GetCurrentProcess();
        for (int r = 0; r < reps; r++)
        {
            if (r % 2 == 0)
            {
                ones.Add(Time(self, oneRuns, factory(number)));
                twos.Add(Time(self, twoRuns, factory(number), factory(number)));
            }
            else
            {
                twos.Add(Time(self, twoRuns, factory(number), factory(number)));
                ones.Add(Time(self, oneRuns, factory(number)));
            }
        }

        return new Result(
            variant + $" ({(GCSettings.IsServerGC ? "server" : "workstation")} GC)",
            Median(ones),
            Median(twos),
            Counters.Average(oneRuns),
            Counters.Average(twoRuns));
    }

    private static double Time(Process self, List<(Counters, Counters)> runs, params ThreadHandle[] threads)
    {
        var before = Counters.Read(self);
        var clock = Stopwatch.StartNew();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        runs.Add((before, Counters.Read(self)));
        return seconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        RunAndPrint(options, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Runs and prints the section's rows; samples/Gil reads the running product's row to compare its GC variants with.</summary>
    internal static (Result Calibration, Result Multiply, Result Naive, Result Tree) RunAndPrint(NotebookOptions options, CancellationToken cancellationToken)
    {
        int reps = options.Quick ? 1 : 3;
        Console.WriteLine($"  factorial({options.Factorial}), median of {reps}; {Anchors.Describe(options, "factorial_1", "factorial_2")}");
        var ceiling = Measure("calibration: ALU loop, no memory", SpinThread, options.Quick ? 100 : 500, reps);
        Console.WriteLine("  " + ceiling);
        var multiply = Measure("calibration: 64-bit multiplies, no memory", SpinMultiplyThread, options.Quick ? 20 : 100, reps);
        Console.WriteLine("  " + multiply);
        var naive = Measure("naive running product", FactorialThread, options.Factorial, reps);
        Console.WriteLine($"  {naive} | {naive.SpeedUp / ceiling.SpeedUp:P0} of calibration");
        cancellationToken.ThrowIfCancellationRequested();
        var tree = Measure("product tree (8 per thread and run)", n => FactorialTreeRepeatedThread(n, 8), options.Factorial, reps);
        Console.WriteLine($"  {tree} | {tree.SpeedUp / multiply.SpeedUp:P0} of the multiply calibration");
        Console.WriteLine($"  the product tree is {naive.One / (tree.One / 8):F1}x faster than the running product on one thread");
        Console.WriteLine("""
              No GIL: both threads run at once. What keeps the naive product from 2x is the GC. Each step
              allocates a new, slightly larger BigInteger; past 85,000 bytes (about n = 40,000) every one
              goes to the large object heap, whose allocation budget triggers a blocking gen2 collection
              that stops both threads, thousands of times per run. A .NET performance engineer would
              (1) change the algorithm: a product tree multiplies balanced operands (Karatsuba instead of
              a long-by-short product), is many times faster on one thread and allocates a few large
              numbers instead of tens of thousands; (2) if the loop must stay, keep its garbage out of
              the LOH and gen2: DOTNET_GCLOHThreshold above the largest product, a bigger gen0 budget
              (DOTNET_GCgen0size). GC settings are fixed when a process starts, so this notebook cannot
              try them: samples/Gil runs the loop under them, and under Server GC and DOTNET_GCRetainVM,
              each in a child process.
              Read each speed-up against the calibration rows: they are what 2 threads can get here right
              now, for plain arithmetic and for the multiplications BigInteger is made of.
              A naive speed-up above 2x is no threading miracle. Its one-thread run is mostly memory
              management: after each gen2 collection the GC decommits the LOH pages it freed and commits
              them again for the next products, and each of those pages is faulted in anew (see the page
              faults and the kernel CPU); that cost does not double with a second thread. Host steal is
              time the hypervisor gave this VM's cores to someone else: a row with seconds of it measured
              the host, not the code.
            """);
        return (ceiling, multiply, naive, tree);
    }
}

/// <summary>Runs a thread to completion on the calling thread's behalf: start, then join.</summary>
internal static class ThreadHandleRun
{
    public static void Run(this ThreadHandle thread)
    {
        thread.Start();
        thread.Join();
    }
}
