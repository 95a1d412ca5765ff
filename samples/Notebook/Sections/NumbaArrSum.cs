using Parallax.Samples;

namespace Notebook.Sections;

/// <summary>
/// The seed's last cell: arr_sum as a plain loop, then with @jit. In C# the loop is already compiled,
/// but RyuJIT does not vectorize it; [Jit] turns the same loop into a SIMD kernel at build time
/// (samples/Jit/Shared/SeedKernels.cs, the kernels the Jit sample and the benchmarks use too).
/// </summary>
internal sealed class NumbaArrSum : Section
{
    private const int Rounds = 9;

    public override string Title => "Numba: arr_sum with @jit";

    public override Task RunAsync(NotebookOptions options, CancellationToken cancellationToken)
    {
        int n = options.ArraySize;
        var (x, y) = SeedKernels.ArrSumInputs(n);

        // Every call returns a new 80 MB array. What it costs depends on where the GC finds the memory:
        // reused pages are cheap, pages new to the process take a page fault each (on this VM a trap to
        // the hypervisor), and that is most of a call. Which a warm call meets depends on everything the
        // process did before, so both states are measured, each with the page faults beside it.
        var f = Interleaved.MeasureAllocating(
            Rounds,
            () => SeedKernels.ArrSumLoop(x, y),
            () => SeedKernels.ArrSum(x, y), // the same body with [Jit]: an interceptor runs the generated kernel
            () => FirstTouch(n)); // no arithmetic: what the memory alone costs in each state, interleaved with both
        var into = new double[n];
        var g = Interleaved.Measure(Rounds, () => SeedKernels.AddInto(x, y, into));

        Console.WriteLine($"  N = {n:N0}; first call of each in this process (cold), then medians of {Rounds} interleaved rounds (warm)");
        Console.WriteLine($"  warm on fresh pages: every result kept, so each call's {n * (long)sizeof(double) / 1e6:F1} MB are new to the process;");
        Console.WriteLine($"  warm on reused memory: each result dropped, a full GC before each call (not timed)");
        Console.WriteLine($"  {"",-12}{"first call",-28}{"warm, fresh pages",-28}{"warm, reused memory",-28}");
        Row("plain loop", f[0]);
        Row("[Jit]", f[1]);
        Console.WriteLine($"  [Jit] is {f[0].ColdMs / f[1].ColdMs:F1}x the plain loop cold, {f[0].FreshMs / f[1].FreshMs:F1}x warm on fresh pages, " +
            $"{f[0].ReusedMs / f[1].ReusedMs:F1}x warm on reused memory");
        Row("floor", f[2]);
        Console.WriteLine($"  (floor: a new array of the same size written once, no arithmetic: the memory's share of each column)");
        Console.WriteLine($"  [Jit] into an existing array (no new pages): {Interleaved.Figures.Format(g[0].WarmMs, g[0].WarmFaults)} warm, the arithmetic's share");
        var plain = SeedKernels.ArrSumLoop(x, y);
        var jit = SeedKernels.ArrSum(x, y);
        Console.WriteLine($"  same result: {plain.AsSpan().SequenceEqual(jit)}");
        Console.WriteLine($"  {Anchors.Describe(options, "numba_first", "numba_warm", "python_loop")}");
        return Task.CompletedTask;
    }

    private static double[] FirstTouch(int n)
    {
        var a = GC.AllocateUninitializedArray<double>(n);
        a.AsSpan().Fill(1.0);
        return a;
    }

    private static void Row(string name, Interleaved.AllocatingFigures f) =>
        Console.WriteLine($"  {name,-12}{Interleaved.Figures.Format(f.ColdMs, f.ColdFaults),-28}" +
            $"{Interleaved.Figures.Format(f.FreshMs, f.FreshFaults),-28}{Interleaved.Figures.Format(f.ReusedMs, f.ReusedFaults),-28}");
}
