using System.Diagnostics;
using Parallax;

namespace Notebook.Sections;

/// <summary>
/// The seed's last cell: arr_sum as a plain loop, then with @jit. In C# the loop is already compiled,
/// but RyuJIT does not vectorize it; [Jit] turns the same loop into a SIMD kernel at build time.
/// </summary>
internal sealed class NumbaArrSum : Section
{
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

        Console.WriteLine($"  N = {n:N0}");
        var plainFirst = Time(() => NumbaKernels.ArrSumPlain(x, y), out var plain);
        var plainWarm = Warm(() => NumbaKernels.ArrSumPlain(x, y));
        Console.WriteLine($"  plain loop:  first call {plainFirst:F1} ms, warm {plainWarm:F1} ms");

        // The same body with [Jit]: this call runs the generated kernel (an interceptor redirects it).
        var jitFirst = Time(() => NumbaKernels.ArrSum(x, y), out var jit);
        var jitWarm = Warm(() => NumbaKernels.ArrSum(x, y));
        Console.WriteLine($"  [Jit]:       first call {jitFirst:F1} ms, warm {jitWarm:F1} ms ({plainWarm / jitWarm:F1}x the plain loop)");
        Console.WriteLine($"  same result: {plain.AsSpan().SequenceEqual(jit)}");
        Console.WriteLine("  seed/anchors (10M, this machine kind): plain Python 2.18 s, numba @jit first call 316 ms, warm 37.6 ms");
        return Task.CompletedTask;
    }

    /// <summary>The best of five calls: what a loop costs once the runtime has optimized it and the GC has memory at hand.</summary>
    private static double Warm(Func<double[]> run) =>
        Enumerable.Range(0, 5).Min(_ => Time(run, out double[] _));

    private static double Time(Func<double[]> run, out double[] result)
    {
        var clock = Stopwatch.StartNew();
        result = run();
        return clock.Elapsed.TotalMilliseconds;
    }
}

internal static class NumbaKernels
{
    /// <summary>The seed's arr_sum, as a plain loop.</summary>
    public static double[] ArrSumPlain(double[] x, double[] y)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = x[i] + y[i];
        return result;
    }

    /// <summary>The same loop with [Jit]: Numba's @jit, compiled to a SIMD kernel at build time.</summary>
    [Jit]
    public static double[] ArrSum(double[] x, double[] y)
    {
        var result = new double[x.Length];
        for (int i = 0; i < x.Length; i++) result[i] = x[i] + y[i];
        return result;
    }
}
