using System.Runtime.CompilerServices;
using MemoryPack;

namespace Parallax.Tests.Engines;

/// <summary>A user type that travels through push, pull and captured variables.</summary>
[MemoryPackable]
public sealed partial record Particle(string Name, double[] Position, int Charge);

/// <summary>
/// Code the engine tests run remotely through the generated stubs: <c>[ParallelEngine]</c> methods
/// (called through <c>Kernels.Remote.XAsync(view, ...)</c> or <c>XSync</c>) and static methods passed as method groups.
/// </summary>
public static partial class Kernels
{
    /// <summary>Scales every entry: the typed-helper path for an argument and a result of rank 2.</summary>
    [ParallelEngine]
    public static double[,] Scale(double[,] a, double factor)
    {
        var c = (double[,])a.Clone();
        for (var i = 0; i < c.GetLength(0); i++)
        {
            for (var j = 0; j < c.GetLength(1); j++)
            {
                c[i, j] *= factor;
            }
        }

        return c;
    }

    /// <summary>Stores a greeting under <paramref name="name"/> in the engine's namespace: the void helper path.</summary>
    [ParallelEngine]
    public static void Greet(string name, Particle who) => Engine.Set(name, $"{who.Name} on engine {Engine.Id}");

    /// <summary>Throws from two frames down, so the remote stack trace has names to look for.</summary>
    [ParallelEngine]
    public static int Explode(string message) => Thrower.Fail(message);

    /// <summary>A method group for Map.</summary>
    public static long Square(int x) => (long)x * x;

    /// <summary>A method group for Apply.</summary>
    public static string Hello() => "Hello!";

    /// <summary>A generic method group for Map, with its type argument written at the call.</summary>
    public static T[] Pair<T>(T x) => [x, x];

    /// <summary>A void method group for Apply(Action).</summary>
    public static void Mark() => Engine.Set("marked", Engine.Id);

    /// <summary>Overloads, a parameter named like the helpers' own, no parameters: the helper shapes.</summary>
    public static partial class Nested
    {
        [ParallelEngine]
        public static int Add(int view, int cancellationToken) => view + cancellationToken;

        [ParallelEngine]
        public static int Add(int a, int b, int c) => a + b + c;

        [ParallelEngine]
        internal static string Where() => $"engine {Engine.Id}";
    }
}

/// <summary>Fails a few frames deep; NoInlining keeps the frames in the remote stack trace.</summary>
public static class Thrower
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Fail(string message) => Deeper(message, 0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Deeper(string message, int depth) => depth < 2 ? Deeper(message, depth + 1) : throw new InvalidOperationException(message);
}

public static class Matrices
{
    public static double[,] Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var m = new double[rows, columns];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                m[i, j] = random.NextDouble();
            }
        }

        return m;
    }

    /// <summary>Row i of <paramref name="a"/> times column j of <paramref name="b"/>, in plain k order: the textbook definition to check a product against.</summary>
    public static double RowByColumn(double[,] a, double[,] b, int i, int j)
    {
        var sum = 0.0;
        for (var k = 0; k < a.GetLength(1); k++)
        {
            sum += a[i, k] * b[k, j];
        }

        return sum;
    }
}

/// <summary>Engine-side helpers the tests' lambdas call.</summary>
public static class EngineSide
{
    /// <summary>
    /// Reads variable <paramref name="from"/> as <typeparamref name="T"/> (deserializing what a client pushed),
    /// stores it as "y_<paramref name="from"/>" (an object the engine serializes again on pull) and returns it.
    /// </summary>
    public static T Copy<T>(string from)
    {
        var value = Engine.Get<T>(from);
        Engine.Set("y_" + from, value);
        return value;
    }

    /// <summary>Blocks the engine until the test creates <paramref name="gate"/> (a minute at most), so a test controls when a call ends without timing it.</summary>
    public static int WaitFor(string gate)
    {
        for (var i = 0; i < 6000 && !File.Exists(gate); i++)
        {
            Thread.Sleep(10);
        }

        return Engine.Id;
    }
}

/// <summary>Engine-side helpers of the task-farm tests: side effects to count, and tasks that stop or do not stop when cancelled.</summary>
public static class FarmSide
{
    /// <summary>Adds one to the engine's counter <paramref name="name"/>: a side effect the test counts.</summary>
    public static int Count(string name)
    {
        var count = (Engine.Contains(name) ? Engine.Get<int>(name) : 0) + 1;
        Engine.Set(name, count);
        return count;
    }

    /// <summary>Marks that task <paramref name="x"/> started, as a file named "x-on-engine" the test can see while the engine is busy.</summary>
    public static int Started(string folder, int x)
    {
        File.WriteAllText(Path.Combine(folder, $"{x}-on-{Engine.Id}"), "");
        return 0;
    }

    /// <summary>Counts a start under <paramref name="counter"/>, then waits for <paramref name="gate"/> or the call's cancellation, whichever comes first (a minute at most).</summary>
    public static int WaitCooperatively(string counter, string gate)
    {
        Count(counter);
        var token = Engine.CancellationToken;
        for (var i = 0; i < 6000 && !File.Exists(gate); i++)
        {
            token.ThrowIfCancellationRequested();
            token.WaitHandle.WaitOne(10);
        }

        token.ThrowIfCancellationRequested();
        return Engine.Id;
    }

    /// <summary>As <see cref="WaitCooperatively"/>, and counts under "<paramref name="counter"/>-cancelled" a cancellation it saw through <see cref="Engine.CancellationToken"/>.</summary>
    public static int WaitCountingCancels(string counter, string gate)
    {
        try
        {
            return WaitCooperatively(counter, gate);
        }
        catch (OperationCanceledException)
        {
            Count(counter + "-cancelled");
            throw;
        }
    }

    /// <summary>Spins without ever looking at the call's token: only a restart of the engine stops it.</summary>
    public static int SpinForever()
    {
        var spins = 0L;
        while (Volatile.Read(ref spins) >= 0)
        {
            spins++;
        }

        return (int)spins;
    }
}
