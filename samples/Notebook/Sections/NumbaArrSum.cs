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
        var random = new Random(1);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = random.NextDouble() - 0.5;
            y[i] = random.NextDouble() - 0.5;
        }

        // Every call returns a new 80 MB array. What it costs depends on where the GC finds the memory:
        // reused pages are cheap, pages new to the process take a page fault each (on this VM a trap to
        // the hypervisor), and that is most of a call. The page faults are printed beside each time.
        double[] plain = [], jit = [];
        var f = Interleaved.Measure(
            Rounds,
            () => plain = SeedKernels.ArrSumLoop(x, y),
            () => jit = SeedKernels.ArrSum(x, y)); // the same body with [Jit]: an interceptor runs the generated kernel
        var into = new double[n];
        var g = Interleaved.Measure(Rounds, () => SeedKernels.AddInto(x, y, into));

        Console.WriteLine($"  N = {n:N0}; first call of each in this process (cold), then the median of {Rounds} interleaved rounds (warm)");
        Console.WriteLine($"  plain loop: first call {Interleaved.Figures.Format(f[0].ColdMs, f[0].ColdFaults)}, warm {Interleaved.Figures.Format(f[0].WarmMs, f[0].WarmFaults)}");
        Console.WriteLine($"  [Jit]:      first call {Interleaved.Figures.Format(f[1].ColdMs, f[1].ColdFaults)}, warm {Interleaved.Figures.Format(f[1].WarmMs, f[1].WarmFaults)}" +
            $" -> {f[0].ColdMs / f[1].ColdMs:F1}x the plain loop cold, {f[0].WarmMs / f[1].WarmMs:F1}x warm");
        Console.WriteLine($"  [Jit] into an existing array (no new pages): {Interleaved.Figures.Format(g[0].WarmMs, g[0].WarmFaults)} warm, the floor of both rows above");
        Console.WriteLine($"  same result: {plain.AsSpan().SequenceEqual(jit)}");
        Console.WriteLine($"  {Anchors.Describe(options, "numba_first", "numba_warm", "python_loop")}");
        return Task.CompletedTask;
    }
}
