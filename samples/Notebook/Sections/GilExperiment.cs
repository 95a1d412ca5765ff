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

    /// <summary>One variant's figures: median seconds on one thread and for two threads at once, and what the GC did.</summary>
    internal sealed record Result(string Variant, double One, double Two, int Gen2One, int Gen2Two, double PauseOne, double PauseTwo, double KernelOne, double KernelTwo)
    {
        public double SpeedUp => 2 * One / Two;

        // GC figures per timed run, for the one-thread run and the two-thread run apart: a blocking
        // gen2 collection serves every thread's garbage, so the two counts explain the speed-up.
        public override string ToString() =>
            $"{Variant,-52} 1 thread {One,7:F3} s | 2 threads {Two,7:F3} s | speed-up {SpeedUp,4:F2}x | gen2 GCs 1t/2t {Gen2One,5}/{Gen2Two,-5} | GC pause 1t/2t {PauseOne,6:F3}/{PauseTwo:F3} s | kernel CPU 1t/2t {KernelOne,6:F3}/{KernelTwo:F3} s";
    }

    /// <summary>Runs one variant <paramref name="reps"/> times, each time one thread then two, and keeps the medians.</summary>
    internal static Result Measure(string variant, Func<int, ThreadHandle> factory, int number, int reps)
    {
        factory(Math.Max(1, number / 10)).Run(); // JIT tiering and first-use costs out of the figures
        var ones = new List<double>();
        var twos = new List<double>();
        int gen2One = 0, gen2Two = 0;
        TimeSpan pauseOne = default, pauseTwo = default, kernelOne = default, kernelTwo = default;
        using var self = Process.GetCurrentProcess();
        for (int r = 0; r < reps; r++)
        {
            var single = factory(number);
            int gen2 = GC.CollectionCount(2);
            var pause = GC.GetTotalPauseDuration();
            var kernel = Kernel(self);
            var clock = Stopwatch.StartNew();
            single.Run();
            ones.Add(clock.Elapsed.TotalSeconds);
            gen2One += GC.CollectionCount(2) - gen2;
            pauseOne += GC.GetTotalPauseDuration() - pause;
            kernelOne += Kernel(self) - kernel;

            var thread1 = factory(number);
            var thread2 = factory(number);
            gen2 = GC.CollectionCount(2);
            pause = GC.GetTotalPauseDuration();
            kernel = Kernel(self);
            clock.Restart();
            thread1.Start();
            thread2.Start();
            thread1.Join();
            thread2.Join();
            twos.Add(clock.Elapsed.TotalSeconds);
            gen2Two += GC.CollectionCount(2) - gen2;
            pauseTwo += GC.GetTotalPauseDuration() - pause;
            kernelTwo += Kernel(self) - kernel;
        }

        return new Result(
            variant + $" ({(GCSettings.IsServerGC ? "server" : "workstation")} GC)",
            Median(ones),
            Median(twos),
            gen2One / reps,
            gen2Two / reps,
            pauseOne.TotalSeconds / reps,
            pauseTwo.TotalSeconds / reps,
            kernelOne.TotalSeconds / reps,
            kernelTwo.TotalSeconds / reps);
    }

    /// <summary>CPU time this process spent in the kernel: page faults on memory the GC returned and takes back show up here.</summary>
    private static TimeSpan Kernel(Process self)
    {
        self.Refresh();
        return self.PrivilegedProcessorTime;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        int reps = options.Quick ? 1 : 3;
        Console.WriteLine($"  factorial({options.Factorial}), median of {reps}; CPython here: 2.16 s on 1 thread, 5.62 s for 2 threads (speed-up 0.77x)");
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
              (DOTNET_GCgen0size). samples/Gil measures those settings, and Server GC, in child processes.
              Read each speed-up against the calibration rows: they are what 2 threads can get here right
              now, for plain arithmetic and for the multiplications BigInteger is made of.
              A naive speed-up above 2x is no threading miracle: the one-thread run is mostly memory
              management (see its kernel CPU: page faults on memory the GC hands back to the OS after a
              gen2 collection and takes again), and that cost does not double with a second thread. The
              GC settings below remove it, and the speed-up falls back under 2x with a far shorter time.
            """);
        return Task.CompletedTask;
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
