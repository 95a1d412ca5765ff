using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Parallax.Samples;

namespace Parallax.Benchmarks.Jit;

/// <summary>
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- jit-shapes [--rounds R] [--warm W] [--only mandel|blur|add]</c>: issue 13's
/// kernels (Mandelbrot 600×400×500, the 4-point blur of 2000², a 2-D add of 2000×5000) next to their anchors
/// in one run. Every contender, numba included (<c>Jit/numba_shapes.py</c> runs the function definitions of
/// <c>shared/anchors/jit_kernels.py</c>), runs in a fresh process per round, rounds interleaved across the
/// contenders (the order reversed every other round) so that each meets the same load; a process prints its
/// first call (cold: numba compiles there, .NET compiles the kernel and touches the arrays for the first time)
/// and the median of W later calls (warm). Printed: medians over the rounds, the ratios the issue's goals
/// are stated in, each goal met or missed, and the load average before and after.
/// </summary>
internal static class ShapesBench
{
    private sealed record Contender(string Kernel, string Name, string What, bool IsNumba = false);

    private static readonly Contender[] Contenders =
    [
        new("mandel", "plain", "plain C# loop"),
        new("mandel", "jit", "[Jit], one core"),
        new("mandel", "parallel", "[Jit(Parallel = true)]"),
        new("mandel", "byhand", "calibration: [Jit] on 2 threads by hand, half the rows each"),
        new("mandel", "numba", "numba @njit", IsNumba: true),
        new("mandel", "numba-parallel", "numba @njit(parallel=True), prange", IsNumba: true),
        new("blur", "plain", "plain C# loop"),
        new("blur", "jit", "[Jit]"),
        new("blur", "numba", "numba @njit", IsNumba: true),
        new("add", "tensor", "TensorPrimitives.Add over the arrays' memory"),
        new("add", "jit", "[Jit] nested loop"),
        new("add", "plain", "plain C# nested loop"),
    ];

    private static readonly Dictionary<string, string> Titles = new()
    {
        ["mandel"] = "Mandelbrot 600x400, 500 iterations",
        ["blur"] = "4-point blur, 2000x2000 doubles",
        ["add"] = "r[i, j] = x[i, j] + y[i, j], 2000x5000 doubles",
    };

    public static void Run(string[] args)
    {
        if (args is ["--child", var kernel, var name, var warmText])
        {
            Child(kernel, name, int.Parse(warmText, CultureInfo.InvariantCulture));
            return;
        }

        int rounds = Option(args, "--rounds", 5);
        int warm = Option(args, "--warm", 11);
        string? anchors = NumbaAnchor.Find();
        bool hasNumba = anchors is not null && File.Exists(Python) && File.Exists(NumbaScript);
        string before = NumbaAnchor.LoadAverage();
        Console.WriteLine($"[Jit] shapes: {rounds} rounds of fresh processes, interleaved, {warm} warm calls each; {Environment.ProcessorCount} cores, load average {before}");
        Console.WriteLine(hasNumba ? $"numba: {anchors} through Jit/numba_shapes.py" : "numba: not found (shared/anchors/jit_kernels.py, /usr/bin/python3 and python3-numba; see shared/anchors/setup.sh)");
        int only = Array.IndexOf(args, "--only");
        var contenders = Contenders.Where(c => (hasNumba || !c.IsNumba) && (only < 0 || only + 1 >= args.Length || c.Kernel == args[only + 1])).ToArray();
        var results = contenders.ToDictionary(c => c, _ => new List<(double Cold, double Warm)>());
        for (int r = 0; r < rounds; r++)
        {
            foreach (var c in r % 2 == 0 ? contenders : contenders.Reverse())
            {
                results[c].Add(c.IsNumba ? RunNumba(anchors!, c, warm) : RunChild(c, warm));
            }
        }

        double Cold(string kernel, string name) => Median(Find(kernel, name).Select(x => x.Cold));
        double Warm(string kernel, string name) => Median(Find(kernel, name).Select(x => x.Warm));
        List<(double Cold, double Warm)> Find(string kernel, string name) =>
            results.Single(p => p.Key.Kernel == kernel && p.Key.Name == name).Value;

        foreach (var group in contenders.GroupBy(c => c.Kernel))
        {
            Console.WriteLine($"\n{Titles[group.Key],-64} {"cold ms",9} {"warm ms",9}   (medians of {rounds} processes; warm range)");
            foreach (var c in group)
            {
                var v = results[c];
                Console.WriteLine($"  {c.What,-62} {Median(v.Select(x => x.Cold)),9:F1} {Median(v.Select(x => x.Warm)),9:F1}   {v.Min(x => x.Warm):F1}–{v.Max(x => x.Warm):F1}");
            }
        }

        Console.WriteLine();
        bool Ran(string kernel) => contenders.Any(c => c.Kernel == kernel);
        if (Ran("mandel"))
        {
            double mandel = Warm("mandel", "plain") / Warm("mandel", "jit");
            Goal($"Mandelbrot [Jit] one core: {mandel:F2}x plain C# warm", mandel >= 4, "goal >= 4x");
            double parallel = Warm("mandel", "jit") / Warm("mandel", "parallel");
            double byHand = Warm("mandel", "jit") / Warm("mandel", "byhand");
            Goal($"Mandelbrot [Jit(Parallel = true)]: {parallel:F2}x the one-core kernel (two threads by hand: {byHand:F2}x)", parallel >= 1.8, "goal >= 1.8x");
            if (hasNumba)
            {
                Console.WriteLine($"  Mandelbrot [Jit] one core: {Warm("mandel", "numba") / Warm("mandel", "jit"):F2}x numba @njit warm, {Cold("mandel", "numba") / Cold("mandel", "jit"):F1}x cold; " +
                    $"[Jit(Parallel = true)]: {Warm("mandel", "numba-parallel") / Warm("mandel", "parallel"):F2}x numba parallel warm, {Cold("mandel", "numba-parallel") / Cold("mandel", "parallel"):F1}x cold; " +
                    $"numba's own parallel speed-up: {Warm("mandel", "numba") / Warm("mandel", "numba-parallel"):F2}x");
            }
        }

        if (Ran("blur"))
        {
            double blur = Warm("blur", "plain") / Warm("blur", "jit");
            Goal($"Blur [Jit]: {blur:F2}x plain C# warm", blur >= 2, "goal >= 2x");
            if (hasNumba)
            {
                double blurNumba = Warm("blur", "numba") / Warm("blur", "jit");
                Goal($"Blur [Jit]: {blurNumba:F2}x numba @njit warm, {Cold("blur", "numba") / Cold("blur", "jit"):F1}x cold", blurNumba > 1, "goal: ahead of numba");
            }
        }

        if (Ran("add"))
        {
            double add = Warm("add", "jit") / Warm("add", "tensor");
            Goal($"2-D add [Jit] / TensorPrimitives.Add: {add:F2}x warm", add <= 1.1, "goal <= 1.1x");
        }

        Console.WriteLine($"load average before {before}, after {NumbaAnchor.LoadAverage()}");
    }

    private static void Goal(string figure, bool met, string goal) =>
        Console.WriteLine($"  {figure} ({goal}: {(met ? "met" : "missed")})");

    private const string Python = "/usr/bin/python3";

    private static string NumbaScript => Path.Combine(AppContext.BaseDirectory, "Jit", "numba_shapes.py");

    private static (double Cold, double Warm) RunChild(Contender c, int warm)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (!Environment.ProcessPath!.EndsWith("Parallax.Benchmarks", StringComparison.Ordinal))
        {
            start.ArgumentList.Add(typeof(ShapesBench).Assembly.Location);
        }

        return Read(start, ["jit-shapes", "--child", c.Kernel, c.Name, warm.ToString(CultureInfo.InvariantCulture)], c);
    }

    private static (double Cold, double Warm) RunNumba(string anchors, Contender c, int warm) =>
        Read(new ProcessStartInfo(Python), [NumbaScript, anchors, c.Name == "numba" ? c.Kernel : "mandel-parallel", warm.ToString(CultureInfo.InvariantCulture)], c);

    /// <summary>Runs a child to its end and reads "cold warm" (milliseconds) from its last line.</summary>
    private static (double Cold, double Warm) Read(ProcessStartInfo start, string[] args, Contender c)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        var lines = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        child.WaitForExit();
        if (child.ExitCode != 0 || lines is not [.., var last] || last.Split(' ') is not [var cold, var warmMs])
        {
            throw new InvalidOperationException($"{c.Kernel} {c.Name}: the child process failed ({child.ExitCode}): {error.Result.Trim()}");
        }

        return (double.Parse(cold, CultureInfo.InvariantCulture), double.Parse(warmMs, CultureInfo.InvariantCulture));
    }

    /// <summary>One process: the first call, then <paramref name="warm"/> more; prints "first median" in milliseconds.</summary>
    private static void Child(string kernel, string name, int warm)
    {
        Action call = kernel switch
        {
            "mandel" => Mandelbrot(name),
            "blur" => Blur(name),
            "add" => Add(name),
            _ => throw new ArgumentException($"unknown kernel '{kernel}': mandel, blur or add", nameof(kernel)),
        };
        double first = Time(call);
        var times = Enumerable.Range(0, warm).Select(_ => Time(call)).ToArray();
        Console.WriteLine($"{first.ToString("R", CultureInfo.InvariantCulture)} {Median(times).ToString("R", CultureInfo.InvariantCulture)}");
    }

    private static Action Mandelbrot(string name)
    {
        const int Width = MandelbrotBenchmarks.Width, Height = MandelbrotBenchmarks.Height, MaxIter = MandelbrotBenchmarks.MaxIter;
        const double X0 = MandelbrotBenchmarks.X0, Y0 = MandelbrotBenchmarks.Y0, Dx = MandelbrotBenchmarks.Dx, Dy = MandelbrotBenchmarks.Dy;
        var counts = new int[Height, Width];
        var top = new int[Height / 2, Width];
        var bottom = new int[Height / 2, Width];
        return name switch
        {
            "plain" => () => PlainShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, counts),
            "jit" => () => JitShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, counts),
            "parallel" => () => JitShapes.MandelbrotParallel(X0, Y0, Dx, Dy, MaxIter, counts),
            "byhand" => () =>
            {
                var other = new Thread(() => JitShapes.Mandelbrot(X0, Y0 + Height / 2 * Dy, Dx, Dy, MaxIter, bottom));
                other.Start();
                JitShapes.Mandelbrot(X0, Y0, Dx, Dy, MaxIter, top);
                other.Join();
            },
            _ => throw new ArgumentException($"unknown contender '{name}'", nameof(name)),
        };
    }

    private static Action Blur(string name)
    {
        var random = new Random(42);
        var src = new double[BlurBenchmarks.N, BlurBenchmarks.N];
        var dst = new double[BlurBenchmarks.N, BlurBenchmarks.N];
        foreach (ref double v in BlurBenchmarks.Flat(src))
        {
            v = random.NextDouble();
        }

        return name switch
        {
            "plain" => () => PlainShapes.Blur(src, dst),
            "jit" => () => JitShapes.Blur(src, dst),
            _ => throw new ArgumentException($"unknown contender '{name}'", nameof(name)),
        };
    }

    private static Action Add(string name)
    {
        var random = new Random(42);
        var x = new double[Add2DBenchmarks.Rows, Add2DBenchmarks.Columns];
        var y = new double[Add2DBenchmarks.Rows, Add2DBenchmarks.Columns];
        var r = new double[Add2DBenchmarks.Rows, Add2DBenchmarks.Columns];
        foreach (ref double v in BlurBenchmarks.Flat(x))
        {
            v = random.NextDouble() - 0.5;
        }

        BlurBenchmarks.Flat(x).CopyTo(BlurBenchmarks.Flat(y));
        return name switch
        {
            "tensor" => () => TensorPrimitives.Add(BlurBenchmarks.Flat(x), BlurBenchmarks.Flat(y), BlurBenchmarks.Flat(r)),
            "jit" => () => JitShapes.Add(x, y, r),
            "plain" => () => PlainShapes.Add(x, y, r),
            _ => throw new ArgumentException($"unknown contender '{name}'", nameof(name)),
        };
    }

    private static double Time(Action call)
    {
        var clock = Stopwatch.StartNew();
        call();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static int Option(string[] args, string name, int otherwise)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : otherwise;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
