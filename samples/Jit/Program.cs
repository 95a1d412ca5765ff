using System.Diagnostics;
using Parallax;

// Numba's @jit, @njit(fastmath, parallel) and @vectorize, in C#: each method below is an ordinary
// scalar loop; the attribute makes the build emit a SIMD kernel and redirect every call to it.
// Run: dotnet run -c Release --project samples/Jit [-- N]
var cli = new Notebook.CommandLine("dotnet run -c Release --project samples/Jit --", "[Jit], [Jit(FastMath, Parallel)] and [Vectorize] kernels next to the scalar loops they come from.")
    .Positional("N", "Array length (default 10 000 000).", n => int.TryParse(n, out int v) && v > 0 ? null : "not a positive whole number");
if (cli.Parse(args) is { } exit)
{
    return exit;
}

int n = cli["N"] is { } length ? int.Parse(length) : 10_000_000;
var random = new Random(1);
var x = new double[n];
var y = new double[n];
for (int i = 0; i < n; i++)
{
    x[i] = random.NextDouble() - 0.5;
    y[i] = random.NextDouble() - 0.5;
}

Console.WriteLine($"N = {n:N0}, {Environment.ProcessorCount} cores, Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");

// Method groups are not intercepted, so they call the scalar body: the reference for each line.
Func<double[], double[], double[]> arrSumScalar = Kernels.ArrSum;
Compare("arr_sum, result allocated", () => arrSumScalar(x, y), () => Kernels.ArrSum(x, y));

Func<double[], double[], double> dotScalar = Kernels.Dot;
Compare("dot, FastMath", () => dotScalar(x, y), () => Kernels.Dot(x, y));

var r = new double[n];
CompareActions("x*x + sin(y), Parallel vs one-core kernel", () => Kernels.Wave(x, y, r), () => Kernels.WaveParallel(x, y, r));

// [Vectorize]: the scalar function gets a span overload.
Kernels.Hypot(x, y, r);
Console.WriteLine($"{"Hypot via [Vectorize]",-45} r[0] = {r[0]:F6}, scalar {Kernels.Hypot(x[0], y[0]):F6}");

return 0;

static void Compare<T>(string what, Func<T> reference, Func<T> kernel)
{
    double Time(Func<T> f)
    {
        f();
        var best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            f();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return best;
    }

    double a = Time(reference), b = Time(kernel);
    Console.WriteLine($"{what,-45} {a,8:F1} ms -> {b,8:F1} ms  ({a / b:F1}x)");
}

static void CompareActions(string what, Action reference, Action kernel) =>
    Compare(what, () => { reference(); return 0; }, () => { kernel(); return 0; });

internal static partial class Kernels
{
    /// <summary>The seed notebook's arr_sum.</summary>
    [Jit]
    public static double[] ArrSum(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }

    /// <summary>A reduction; FastMath lets it add in vector lanes (a different rounding order).</summary>
    [Jit(FastMath = true)]
    public static double Dot(double[] x, double[] y)
    {
        double acc = 0;
        for (int i = 0; i < x.Length; i++) acc += x[i] * y[i];
        return acc;
    }

    [Jit(FastMath = true)]
    public static void Wave(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }

    /// <summary>Numba's prange: the range is split over the cores.</summary>
    [Jit(FastMath = true, Parallel = true)]
    public static void WaveParallel(double[] x, double[] y, double[] r)
    {
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i] + Math.Sin(y[i]);
    }

    /// <summary>Numba's @vectorize: generates Hypot(ReadOnlySpan&lt;double&gt;, ReadOnlySpan&lt;double&gt;, Span&lt;double&gt;).</summary>
    [Vectorize]
    public static double Hypot(double x, double y) => Math.Sqrt(x * x + y * y);
}
