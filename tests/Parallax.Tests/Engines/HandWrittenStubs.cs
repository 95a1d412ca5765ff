using System.Runtime.CompilerServices;
using MemoryPack;

namespace Parallax.Tests.Engines;

// HAND-WRITTEN STAND-INS for what generator/Engines emits: the generator is on another branch, so
// these register invokers exactly as generated code does (a [ModuleInitializer] calling
// EngineDispatch.Register), and the tests build EngineCall with MemoryPack-serialized arguments and
// call view.Submit, as the generated interceptors do. After the merge the lead switches the tests to
// lambdas (v.ApplySync(() => "Hello!")) and deletes this file.

/// <summary>A user type that travels through push and pull.</summary>
[MemoryPackable]
public sealed partial record Particle(string Name, double[] Position, int Charge);

internal static class Stubs
{
    public const string Hello = "test.hello";
    public const string EngineId = "test.engine-id";
    public const string Add = "test.add";
    public const string Multiply = "test.multiply";
    public const string Throw = "test.throw";
    public const string Sleep = "test.sleep";
    public const string Print = "test.print";
    public const string Square = "test.square";
    public const string SumBlock = "test.sum-block";
    public const string Echo = "test.echo";
    public const string NamespaceOps = "test.namespace-ops";

    public static string AssemblyPath => typeof(Stubs).Assembly.Location;

    public static string CopyId<T>() => "test.copy." + typeof(T).FullName;

    public static EngineCall Call(string id) => new(id, [], AssemblyPath);

    public static EngineCall Call<TArgs>(string id, TArgs arguments) => new(id, MemoryPackSerializer.Serialize(arguments), AssemblyPath);

    [ModuleInitializer]
    internal static void Register()
    {
        EngineDispatch.Register(Hello, _ => MemoryPackSerializer.Serialize("Hello!"));
        EngineDispatch.Register(EngineId, _ => MemoryPackSerializer.Serialize(Engine.Id));
        EngineDispatch.Register(Add, args =>
        {
            var xs = MemoryPackSerializer.Deserialize<int[]>(args.Span)!;
            return MemoryPackSerializer.Serialize(xs[0] + xs[1]);
        });
        EngineDispatch.Register(Echo, args => args.ToArray());
        EngineDispatch.Register(Multiply, _ =>
        {
            Engine.Set("c", Matrices.Multiply(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b")));
            return [];
        });
        EngineDispatch.Register(Throw, _ => Thrower.Fail());
        EngineDispatch.Register(Sleep, args =>
        {
            Thread.Sleep(MemoryPackSerializer.Deserialize<int>(args.Span));
            return [];
        });
        EngineDispatch.Register(Print, _ =>
        {
            Console.WriteLine($"hello from engine {Engine.Id}");
            Console.Error.WriteLine("a warning");
            return [];
        });
        EngineDispatch.Register(Square, args =>
        {
            var block = MemoryPackSerializer.Deserialize<int[]>(args.Span)!;
            return MemoryPackSerializer.Serialize(block.Select(x => x * x).ToArray());
        });
        EngineDispatch.Register(SumBlock, _ => MemoryPackSerializer.Serialize(Engine.Get<double[]>("x").Sum()));
        EngineDispatch.Register(NamespaceOps, _ =>
        {
            Engine.Set("tmp", Engine.Id * 10);
            var seen = Engine.Contains("tmp") && Engine.Get<int>("tmp") == Engine.Id * 10;
            var removed = Engine.Remove("tmp");
            return MemoryPackSerializer.Serialize(new[] { seen, removed, Engine.Contains("tmp"), Engine.Remove("tmp"), Engine.IsEngine });
        });
        RegisterCopy<int>();
        RegisterCopy<double>();
        RegisterCopy<string>();
        RegisterCopy<double[]>();
        RegisterCopy<double[,]>();
        RegisterCopy<int[]>();
        RegisterCopy<string[]>();
        RegisterCopy<List<int>>();
        RegisterCopy<Dictionary<string, int>>();
        RegisterCopy<Particle>();
        RegisterCopy<DateTime>();
        RegisterCopy<Guid>();
    }

    /// <summary>Reads "x" as T on the engine (deserializing what was pushed) and stores it as "y" (an object the engine serializes on pull).</summary>
    private static void RegisterCopy<T>() => EngineDispatch.Register(CopyId<T>(), _ =>
    {
        Engine.Set("y", Engine.Get<T>("x"));
        return [];
    });
}

internal static class Thrower
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static byte[] Fail() => Deeper(0);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] Deeper(int depth) => depth < 2 ? Deeper(depth + 1) : throw new InvalidOperationException("the engine refuses");
}

internal static class Matrices
{
    /// <summary>A plain i-k-j product: Linalg.Dot lives on another branch; N stays small in tests.</summary>
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = a.GetLength(1), p = b.GetLength(1);
        var c = new double[n, p];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < m; k++)
            {
                var aik = a[i, k];
                for (var j = 0; j < p; j++)
                {
                    c[i, j] += aik * b[k, j];
                }
            }
        }

        return c;
    }

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
}
