using Parallax;
using Parallax.Samples;

// Numba's @jit, @njit(fastmath, parallel) and @vectorize, in C#: each [Jit] method (Shared/SeedKernels.cs)
// is an ordinary scalar loop; the attribute makes the build emit a SIMD kernel and redirect every call to it.
// Run: dotnet run -c Release --project samples/Jit [-- N]
var cli = new Notebook.CommandLine("dotnet run -c Release --project samples/Jit --", "[Jit], [Jit(FastMath, Parallel)] and [Vectorize] kernels next to the scalar loops they come from.")
    .Positional("N", "Array length (default 10 000 000).", n => int.TryParse(n, out int v) && v > 0 ? null : "not a positive whole number");
if (cli.Parse(args) is { } exit)
{
    return exit;
}

int n = cli["N"] is { } length ? int.Parse(length) : 10_000_000;
const int Rounds = 9;
var (x, y) = SeedKernels.ArrSumInputs(n);

Console.WriteLine($"N = {n:N0}, {Environment.ProcessorCount} cores, Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}; " +
    $"first call of each in this process, then the median of {Rounds} interleaved rounds");
Console.WriteLine($"{"",-44} {"first call",-25} {"warm (median)",-25}");

// The seed's cell: a new result each call, so each call may meet fresh pages or memory the GC reuses.
var allocated = Interleaved.MeasureAllocating(Rounds, () => SeedKernels.ArrSumLoop(x, y), () => SeedKernels.ArrSum(x, y));
Console.WriteLine($"{"arr_sum, result allocated: plain loop",-44} {Interleaved.Figures.Format(allocated[0].ColdMs, allocated[0].ColdFaults),-25} " +
    $"{Interleaved.Figures.Format(allocated[0].FreshMs, allocated[0].FreshFaults),-25} fresh pages; {Interleaved.Figures.Format(allocated[0].ReusedMs, allocated[0].ReusedFaults)} reused memory");
Console.WriteLine($"{"  [Jit]",-44} {Interleaved.Figures.Format(allocated[1].ColdMs, allocated[1].ColdFaults),-25} " +
    $"{Interleaved.Figures.Format(allocated[1].FreshMs, allocated[1].FreshFaults),-25} fresh pages; {Interleaved.Figures.Format(allocated[1].ReusedMs, allocated[1].ReusedFaults)} reused memory; " +
    $"{allocated[0].ColdMs / allocated[1].ColdMs:F1}x cold, {allocated[0].FreshMs / allocated[1].FreshMs:F1}x fresh, {allocated[0].ReusedMs / allocated[1].ReusedMs:F1}x reused");

// Method groups are not intercepted, so they call the scalar body: the reference for each line below.
var r = new double[n];
Action<double[], double[], double[]> addScalar = SeedKernels.AddInto;
Compare("arr_sum into r: plain loop", () => addScalar(x, y, r), "[Jit]", () => SeedKernels.AddInto(x, y, r));

Func<double[], double[], double> dotScalar = SeedKernels.Dot;
Compare("dot: plain loop", () => dotScalar(x, y), "[Jit(FastMath = true)]", () => SeedKernels.Dot(x, y));

Compare("x*x + sin(y): [Jit] one core", () => SeedKernels.SquarePlusSin(x, y, r), "[Jit(Parallel = true)]", () => SeedKernels.SquarePlusSinParallel(x, y, r));

// [Vectorize]: the scalar function gets a span overload.
Kernels.Hypot(x, y, r);
Console.WriteLine($"{"Hypot via [Vectorize]",-44} r[0] = {r[0]:F6}, scalar {Kernels.Hypot(x[0], y[0]):F6}");

// Numba's everyday kernels: a while loop per pixel (Mandelbrot) and a stencil over a 2-D array.
Shapes.Run();

return 0;

static void Compare(string reference, Action runReference, string kernel, Action runKernel)
{
    var f = Interleaved.Measure(Rounds, runReference, runKernel);
    Console.WriteLine($"{reference,-44} {Interleaved.Figures.Format(f[0].ColdMs, f[0].ColdFaults),-25} {Interleaved.Figures.Format(f[0].WarmMs, f[0].WarmFaults),-25}");
    Console.WriteLine($"{"  " + kernel,-44} {Interleaved.Figures.Format(f[1].ColdMs, f[1].ColdFaults),-25} {Interleaved.Figures.Format(f[1].WarmMs, f[1].WarmFaults),-25} " +
        $"{f[0].ColdMs / f[1].ColdMs:F1}x cold, {f[0].WarmMs / f[1].WarmMs:F1}x warm");
}

internal static partial class Kernels
{
    /// <summary>Numba's @vectorize: generates Hypot(ReadOnlySpan&lt;double&gt;, ReadOnlySpan&lt;double&gt;, Span&lt;double&gt;).</summary>
    [Vectorize]
    public static double Hypot(double x, double y) => Math.Sqrt(x * x + y * y);
}
