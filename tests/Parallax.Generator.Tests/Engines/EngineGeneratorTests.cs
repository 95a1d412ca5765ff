using System.Reflection;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Generator.Engines;
using Parallax.Generator.Tests.Harness;

namespace Parallax.Generator.Tests.Engines;

public class EngineGeneratorTests
{
    private static GeneratorRun Run(string source) => GeneratorHarness.Run(source, new EngineGenerator());

    // ---------------------------------------------------------------- snapshots

    [Fact]
    public void Seed_hello_lambda()
    {
        var run = Run("""
            using Parallax;
            public static class Seed
            {
                public static string[] Hello(DirectView v) => v.ApplySync(() => "Hello!");
            }
            """).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Lambda_with_captures()
    {
        var run = Run(CapturesSource).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Action_lambda_calling_Engine_Set()
    {
        var run = Run("""
            using System.Threading.Tasks;
            using Parallax;
            namespace Demo;
            public static class Cells
            {
                public static async Task Dot(DirectView v)
                {
                    await v.ApplyAsync(() => Engine.Set("c", Multiply(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
                }

                internal static double[,] Multiply(double[,] a, double[,] b) => a;
            }
            """).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Seed_product_reads_and_writes_shared_memory_in_place()
    {
        // The seed's cell: the pushed a and b are read as views (no copy into arrays), and c is written
        // into the memory a pull maps.
        var run = Run("""
            using System.Threading.Tasks;
            using Parallax;
            namespace Demo;
            public static class Cells
            {
                public static async Task Dot(DirectView v)
                {
                    await v.ApplyAsync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
                }
            }
            """).AssertCompiles();
        Snapshot.Verify(run);
        var stub = Assert.Single(run.Sources.Values);
        Assert.Contains("=> global::Parallax.CompilerServices.EngineValues.SetDot<double>(\"c\", global::Parallax.Engine.GetMatrix<double>(\"a\"), global::Parallax.Engine.GetMatrix<double>(\"b\"));", stub);
    }

    [Fact]
    public void Matrix_operands_become_views_only_where_Linalg_takes_views()
    {
        // Rewritten: operands of Dot and Gemm's a and b (floats too, named arguments, `using static`),
        // and Set(name, Dot(...)) with an array operand. Left alone: Gemm's c (written in place, so it
        // must stay the namespace's array), a Get that is not an operand, a Set of something else, a
        // Set whose type argument is not the product's type, and a matrix-vector product.
        var run = Run("""
            using Parallax;
            using static Parallax.Engine;
            namespace Demo;
            public static class Cells
            {
                public static void Run(DirectView v)
                {
                    v.ApplySync(() =>
                    {
                        var local = new float[2, 2];
                        Linalg.Gemm(1.0, Engine.Get<double[,]>("a"), Transpose.Transposed, b: Get<double[,]>("b"), Transpose.None, 0.0, Engine.Get<double[,]>("c"));
                        Engine.Set("f", Linalg.Dot(local, Engine.Get<float[,]>("g")));
                        var kept = Engine.Get<double[,]>("a");
                        Engine.Set("h", kept);
                        Engine.Set<object>("i", Linalg.Dot(kept, kept));
                        Engine.Set("j", Linalg.Dot(Engine.Get<double[,]>("a"), new double[] { 1, 2 }));
                    });
                }
            }
            """).AssertCompiles();
        var stub = Assert.Single(run.Sources.Values);
        Assert.Contains("global::Parallax.Linalg.Gemm(1.0, global::Parallax.Engine.GetMatrix<double>(\"a\"), ((global::Parallax.Transpose)1), b: global::Parallax.Engine.GetMatrix<double>(\"b\"), ((global::Parallax.Transpose)0), 0.0, global::Parallax.Engine.Get<double[,]>(\"c\"));", stub);
        Assert.Contains("global::Parallax.CompilerServices.EngineValues.SetDot<float>(\"f\", local, global::Parallax.Engine.GetMatrix<float>(\"g\"));", stub);
        Assert.Contains("var kept = global::Parallax.Engine.Get<double[,]>(\"a\");", stub);
        Assert.Contains("global::Parallax.Engine.Set(\"h\", kept);", stub);
        Assert.Contains("global::Parallax.Engine.Set<object>(\"i\", global::Parallax.Linalg.Dot(kept, kept));", stub);
        Assert.Contains("global::Parallax.Engine.Set(\"j\", global::Parallax.Linalg.Dot(global::Parallax.Engine.Get<double[,]>(\"a\"), new double[] { 1, 2 }));", stub);
    }

    [Fact]
    public void Method_group()
    {
        var run = Run(MethodGroupSource).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Map_lambda()
    {
        var run = Run(MapSource).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void ParallelEngine_method()
    {
        var run = Run(ParallelEngineSource).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Every_view_form_is_intercepted_with_a_matching_signature()
    {
        var run = Run("""
            using System.Threading;
            using Parallax;
            public static class Forms
            {
                public static void Use(DirectView v, EngineView e, CancellationToken ct)
                {
                    AsyncResult<int[]> a = v.ApplyAsync(() => 1);
                    AsyncResult<int[]> b = v.ApplyAsync(() => 2, ct);
                    int[] c = v.ApplySync(() => 3);
                    AsyncResult d = v.ApplyAsync(() => Engine.Set("d", 4));
                    AsyncResult f = v.ApplyAsync(() => Engine.Set("f", 5), ct);
                    v.ApplySync(() => Engine.Set("g", 6));
                    AsyncResult<int> h = e.ApplyAsync(() => 7);
                    AsyncResult<int> i = e.ApplyAsync(() => 8, ct);
                    int j = e.ApplySync(() => 9);
                    AsyncResult k = e.ApplyAsync(() => Engine.Set("k", 10));
                    AsyncResult l = e.ApplyAsync(() => Engine.Set("l", 11), ct);
                    e.ApplySync(() => Engine.Set("m", 12));
                    AsyncResult<string[]> n = v.MapAsync((int x) => x.ToString(), new[] { 13 });
                    string[] o = v.MapSync(Twice, new[] { 14 });
                    double[][,] p = v.ApplySync(() => new double[1, 1]);
                }

                public static string Twice(int x) => (2 * x).ToString();
            }
            """).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        // One stub per call, each with exactly one interceptor.
        Assert.Equal(15, run.Sources.Count);
        Assert.All(run.Sources.Values, s => Assert.Single(System.Text.RegularExpressions.Regex.Matches(s, @"\[global::System\.Runtime\.CompilerServices\.InterceptsLocation\(")));
    }

    [Fact]
    public void Load_balanced_map_and_apply()
    {
        var run = Run(LoadBalancedSource).AssertCompiles();
        Snapshot.Verify(run);
    }

    [Fact]
    public void Every_load_balanced_form_is_intercepted_with_a_matching_signature()
    {
        var run = Run("""
            using System;
            using System.Threading;
            using Parallax;
            public static class Forms
            {
                public static void Use(LoadBalancedView lv, CancellationToken ct, IProgress<MapProgress> p)
                {
                    int k = 3;
                    AsyncResult<int> a = lv.ApplyAsync(() => 1);
                    AsyncResult<int> b = lv.ApplyAsync(() => 2 + k, ct);
                    int c = lv.ApplySync(() => 3);
                    AsyncResult d = lv.ApplyAsync(() => Engine.Set("d", 4));
                    AsyncResult e = lv.ApplyAsync(() => Engine.Set("e", 5), ct);
                    lv.ApplySync(() => Engine.Set("f", 6));
                    AsyncMapResult<string> g = lv.MapAsync((int x) => x.ToString(), new[] { 7 });
                    AsyncMapResult<int> h = lv.MapAsync(x => x + k, new[] { 8 }, ct);
                    AsyncMapResult<int> i = lv.MapAsync(x => x * k, new[] { 9 }, chunkSize: 3, ordered: false, retries: 1, timeout: TimeSpan.FromSeconds(1), progress: p, cancellationToken: ct);
                    AsyncMapResult<int> j = lv.MapAsync(x => x, new[] { 10 }, 5);
                    string[] l = lv.MapSync(Twice, new[] { 11 });
                    int[] m = lv.MapSync(x => x + k, new[] { 12 }, 4, 2, TimeSpan.FromSeconds(2), p);
                    double[,] n = lv.ApplySync(() => new double[1, 1]);
                }

                public static string Twice(int x) => (2 * x).ToString();
            }
            """).AssertCompiles();
        DiagnosticAssert.Exactly(run);
        // One stub per call, each with exactly one interceptor.
        Assert.Equal(13, run.Sources.Count);
        Assert.All(run.Sources.Values, s => Assert.Single(System.Text.RegularExpressions.Regex.Matches(s, @"\[global::System\.Runtime\.CompilerServices\.InterceptsLocation\(")));
        Assert.Contains(run.Sources.Values, s => s.Contains("chunkSize: chunkSize, ordered: ordered, retries: retries, timeout: timeout, progress: progress, cancellationToken: cancellationToken", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_balanced_map_invoker_runs_each_item_as_its_own_task()
    {
        var assembly = Run(LoadBalancedSource).AssertCompiles().Load();
        var stub = Stub(assembly, "Farm_Divide_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [100, new[] { 5, 0, 50 }])!;
        var answer = Invoke(stub, arguments);

        // The values come first (a default where a task failed), then what became of each task.
        int[]? values = null;
        var read = MemoryPackSerializer.Deserialize(answer, ref values);
        Assert.Equal([20, 0, 2], values!);
        Assert.True(read < answer.Length, "the chunk's outcome follows its values");
        Assert.Contains("System.DivideByZeroException", System.Text.Encoding.UTF8.GetString(answer.AsSpan(read)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_method_group_mapped_by_a_load_balanced_view_has_an_id_of_its_own()
    {
        // The load-balanced invoker answers in another format (each task's outcome), so the engines must not confuse the two.
        var assembly = Run("""
            using Parallax;
            public static class Maps
            {
                public static int Twice(int x) => 2 * x;
                public static int[] Direct(DirectView v, int[] xs) => v.MapSync(Twice, xs);
                public static int[] Balanced(LoadBalancedView v, int[] xs) => v.MapSync(Twice, xs);
            }
            """).AssertCompiles().Load();
        Assert.NotEqual(Stub(assembly, "Maps_Direct_0_").GetField("Id")!.GetValue(null), Stub(assembly, "Maps_Balanced_0_").GetField("Id")!.GetValue(null));
    }

    [Fact]
    public void Map_method_group_invoker_maps_its_block()
    {
        var assembly = Run("""
            using Parallax;
            public static class Maps
            {
                public static string Show(int x) => "<" + x + ">";
                public static string[] Call(DirectView v, int[] xs) => v.MapSync(Show, xs);
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Maps_Call_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [new[] { 1, 22 }])!;
        Assert.Equal(["<1>", "<22>"], MemoryPackSerializer.Deserialize<string[]>(Invoke(stub, arguments))!);
    }

    [Fact]
    public void Captures_named_like_generated_locals_or_keywords_still_travel()
    {
        var assembly = Run("""
            using Parallax;
            public static class Names
            {
                public static int[] Call(DirectView v, int[] items)
                {
                    int view = 1, block = 2, arguments = 3, @class = 4, results = 5;
                    return v.MapSync(x => x + view + block + arguments + @class + results + items.Length, items);
                }
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Names_Call_0_");
        var encode = stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!;
        Assert.Equal(["items", "view", "block", "arguments", "class", "results", "__block"], encode.GetParameters().Select(p => p.Name));
        var arguments = (byte[])encode.Invoke(null, [new[] { 7, 8 }, 1, 2, 3, 4, 5, new[] { 10 }])!;
        Assert.Equal(new[] { 27 }, MemoryPackSerializer.Deserialize<int[]>(Invoke(stub, arguments)));
    }

    [Fact]
    public void Var_captures_of_reference_types_compile_without_nullable_warnings()
    {
        // `var` declares a reference-typed local nullable (string?) whatever its flow state, so the stub's
        // parameter is string?; the body, already checked where it was written, must not warn again there
        // (warnings are errors here, as in most projects). Found by the runtime tests' real lambdas.
        var assembly = Run("""
            using System.Linq;
            using Parallax;
            public static class Vars
            {
                public static int[] Call(DirectView v)
                {
                    var name = "engine";
                    var values = new[] { 1.5, 2.5 };
                    return v.ApplySync(() => name.Length + Count(name) + (int)values.Sum());
                }

                public static int Count(string text) => text.Length;
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Vars_Call_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, ["engine", new[] { 1.5, 2.5 }])!;
        Assert.Equal(16, MemoryPackSerializer.Deserialize<int>(Invoke(stub, arguments)));
    }

    [Fact]
    public void Constants_the_lambda_reads_keep_special_values()
    {
        // const double Missing = double.NaN was inlined as NaNd (CS0103); a negative enum constant as (E)-1,
        // which C# reads as a subtraction.
        var assembly = Run("""
            using Parallax;
            public enum Level { Off = -1, On = 1 }
            public static class Constants
            {
                private const float Far = float.NegativeInfinity;
                public static string[] Call(DirectView v)
                {
                    const double Missing = double.NaN;
                    const decimal Price = -0.50m;
                    const Level Start = Level.Off;
                    const char Tab = '\t';
                    return v.ApplySync(() => $"{double.IsNaN(Missing)} {Far} {Price} {Start} {(int)Tab} {long.MinValue + 0L}");
                }
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Constants_Call_0_");
        var text = MemoryPackSerializer.Deserialize<string>(Invoke(stub, []));
        Assert.Equal($"True {float.NegativeInfinity} {-0.50m} Off 9 {long.MinValue}", text);
    }

    [Fact]
    public void Names_qualified_with_global_or_a_namespace_alias_compile_in_the_stub()
    {
        // global::Helper.Scale was written <global namespace>::Helper.Scale (the global namespace's display
        // text), and Sys::Math, an alias with ::, global::System::Math.
        var assembly = Run("""
            using Parallax;
            using Sys = System;
            public static class Helper { public static int Scale(int x) => 10 * x; }
            namespace Demo
            {
                public static class Qualified
                {
                    public static int[] Call(DirectView v) =>
                        v.ApplySync(() => global::Helper.Scale(2) + global::System.Math.Max(1, 3) + Sys::Math.Abs(-4) + Sys.Math.Min(5, 6));
                }
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Qualified_Call_0_");
        Assert.Equal(32, MemoryPackSerializer.Deserialize<int>(Invoke(stub, [])));
    }

    // ---------------------------------------------------------------- sources shared by snapshot and execution tests

    private const string CapturesSource = """
        using System.Linq;
        using Parallax;
        namespace Demo;
        public static class Work
        {
            private const int Offset = 100;

            public static int[] Twice(DirectView v)
            {
                int n = 21;
                return v.ApplySync(() => n * 2);
            }

            public static string Describe(EngineView e, string name, double[] values)
            {
                var scale = 0.5;
                return e.ApplySync(() =>
                {
                    var total = values.Sum() * scale;
                    return $"{name}: {total} {Helpers.Tag(Offset)}";
                });
            }
        }

        internal static class Helpers
        {
            public static string Tag(int x) => "#" + x;
        }
        """;

    private const string MethodGroupSource = """
        using Parallax;
        namespace Demo;
        public static class Kernels
        {
            public static string Hello() => "Hello from a method group!";
        }
        public static class Caller
        {
            public static string[] Run(DirectView v) => v.ApplySync(Kernels.Hello);
        }
        """;

    private const string LoadBalancedSource = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Parallax;
        namespace Demo;
        public static class Farm
        {
            public static async Task<int[]> Divide(LoadBalancedView lv, int[] xs, CancellationToken ct)
            {
                int total = 100;
                return await lv.MapAsync(x => total / x, xs, chunkSize: 16, ordered: false, retries: 1, cancellationToken: ct);
            }

            public static Task<double> One(LoadBalancedView lv, CancellationToken ct) => lv.ApplyAsync(() => Math.PI, ct).WaitAsync(ct);
        }
        """;

    private const string MapSource = """
        using Parallax;
        namespace Demo;
        public static class Mapper
        {
            public static long[] Squares(DirectView v, int[] xs)
            {
                long offset = 1;
                return v.MapSync((int x) => (long)x * x + offset, xs);
            }
        }
        """;

    private const string ParallelEngineSource = """
        using Parallax;
        namespace Demo;
        public static partial class Kernels
        {
            [ParallelEngine]
            public static double[,] Multiply(double[,] a, double b)
            {
                var c = (double[,])a.Clone();
                for (int i = 0; i < c.GetLength(0); i++)
                    for (int j = 0; j < c.GetLength(1); j++)
                        c[i, j] *= b;
                return c;
            }

            [ParallelEngine]
            internal static void Store(string name, int value) => Engine.Set(name, value);
        }
        """;

    // ---------------------------------------------------------------- execution: the invoker an engine runs

    [Fact]
    public void Captured_value_travels_and_the_invoker_returns_the_lambdas_result()
    {
        var assembly = Run(CapturesSource).AssertCompiles().Load();
        var stub = Stub(assembly, "Work_Twice_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [21])!;
        Assert.Equal(42, MemoryPackSerializer.Deserialize<int>(Invoke(stub, arguments)));
    }

    [Fact]
    public void Several_captures_of_reference_types_travel_as_one_tuple()
    {
        var assembly = Run(CapturesSource).AssertCompiles().Load();
        var stub = Stub(assembly, "Work_Describe_0_");
        var encode = stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!;
        // Declaration order: the method's parameters, then its locals.
        Assert.Equal(["name", "values", "scale"], encode.GetParameters().Select(p => p.Name));
        var arguments = (byte[])encode.Invoke(null, ["sum", new[] { 1.0, 2.0, 5.0 }, 0.5])!;
        Assert.Equal("sum: 4 #100", MemoryPackSerializer.Deserialize<string>(Invoke(stub, arguments)));
    }

    [Fact]
    public void Lambda_without_captures_sends_no_arguments()
    {
        var assembly = Run("""
            using Parallax;
            public static class Seed
            {
                public static string Hello(EngineView v) => v.ApplySync(() => "Hello!");
            }
            """).AssertCompiles().Load();
        var stub = Stub(assembly, "Seed_Hello_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [])!;
        Assert.Empty(arguments);
        Assert.Equal("Hello!", MemoryPackSerializer.Deserialize<string>(Invoke(stub, arguments)));
    }

    [Fact]
    public void Method_group_invoker_calls_the_method()
    {
        var assembly = Run(MethodGroupSource).AssertCompiles().Load();
        var stub = Stub(assembly, "Caller_Run_0_");
        Assert.Equal("Hello from a method group!", MemoryPackSerializer.Deserialize<string>(Invoke(stub, [])));
    }

    [Fact]
    public void Map_invoker_applies_the_lambda_to_every_item_of_its_block()
    {
        var assembly = Run(MapSource).AssertCompiles().Load();
        var stub = Stub(assembly, "Mapper_Squares_0_");
        var arguments = (byte[])stub.GetMethod("Encode", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [1L, new[] { 2, 3, 40000 }])!;
        Assert.Equal(new long[] { 5, 10, 1600000001 }, MemoryPackSerializer.Deserialize<long[]>(Invoke(stub, arguments)));
    }

    [Fact]
    public void ParallelEngine_invoker_runs_the_method_with_its_arguments()
    {
        var assembly = Run(ParallelEngineSource).AssertCompiles().Load();
        var remote = assembly.GetType("Demo.Kernels+Remote")!;
        RunModuleInitializer(assembly);
        string id = (string)remote.GetField("MultiplyId", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;
        var arguments = (byte[])remote.GetMethod("EncodeMultiply", BindingFlags.Static | BindingFlags.NonPublic)!.Invoke(null, [new double[,] { { 1, 2 }, { 3, 4 } }, 3.0])!;
        Assert.True(EngineDispatch.TryGet(id, out var invoker));
        Assert.Equal(new double[,] { { 3, 6 }, { 9, 12 } }, MemoryPackSerializer.Deserialize<double[,]>(invoker(arguments)));

        // The typed helpers take a view and the method's own parameters.
        var helpers = remote.GetMethods(BindingFlags.Static | BindingFlags.Public).Where(m => m.Name == "MultiplyAsync").ToArray();
        Assert.Equal(["DirectView", "EngineView"], helpers.Select(m => m.GetParameters()[0].ParameterType.Name).Order());
        Assert.All(helpers, m => Assert.Equal(typeof(CancellationToken), m.GetParameters()[^1].ParameterType));
        Assert.Contains(helpers, m => m.ReturnType == typeof(AsyncResult<double[][,]>));
        Assert.Contains(helpers, m => m.ReturnType == typeof(AsyncResult<double[,]>));

        // Their blocking twins return what the view's ApplySync would, and take no token.
        var sync = remote.GetMethods(BindingFlags.Static | BindingFlags.Public).Where(m => m.Name == "MultiplySync").ToArray();
        Assert.Equal([typeof(double[,]), typeof(double[][,])], sync.Select(m => m.ReturnType).OrderBy(t => t.Name.Length));
        Assert.DoesNotContain(sync, m => m.GetParameters().Any(p => p.ParameterType == typeof(CancellationToken)));
    }

    [Fact]
    public void Ids_are_stable_across_builds_and_distinct_per_call()
    {
        string Id(string source, string prefix) =>
            (string)Stub(Run(source).AssertCompiles().Load(), prefix, register: false).GetField("Id")!.GetValue(null)!;

        string first = Id(CapturesSource, "Work_Twice_0_");
        Assert.Equal(first, Id(CapturesSource, "Work_Twice_0_"));
        Assert.Equal(first, Id("// a comment above moves every line\n" + CapturesSource, "Work_Twice_0_"));
        Assert.NotEqual(first, Id(CapturesSource, "Work_Describe_0_"));
        Assert.Matches("^[0-9a-f]{32}$", first);
    }

    [Fact]
    public void Closure_reader_finds_captures_of_nested_scopes_and_parameters()
    {
        var assembly = Run("""
            using System;
            using Parallax;
            public static class Closures
            {
                public static Func<string> Make(string prefix)
                {
                    int outer = 40;
                    Func<string> made = () => "";
                    for (int i = 0; i < 1; i++)
                    {
                        int inner = 2;
                        made = () => prefix + (outer + inner);
                    }

                    return made;
                }

            }
            """).AssertCompiles().Load();
        var made = (Delegate)assembly.GetType("Closures")!.GetMethod("Make")!.Invoke(null, ["p"])!;
        var read = typeof(Parallax.CompilerServices.EngineClosure).GetMethod("Read")!;
        Assert.Equal("p", read.MakeGenericMethod(typeof(string)).Invoke(null, [made, "prefix"]));
        Assert.Equal(40, read.MakeGenericMethod(typeof(int)).Invoke(null, [made, "outer"]));
        Assert.Equal(2, read.MakeGenericMethod(typeof(int)).Invoke(null, [made, "inner"]));
    }

    [Fact]
    public void Method_group_of_a_ParallelEngine_method_shares_its_id()
    {
        var assembly = Run("""
            using Parallax;
            public static partial class Kernels
            {
                [ParallelEngine] public static string Hello() => "Hello!";
                public static string[] Call(DirectView v) => v.ApplySync(Hello);
            }
            """).AssertCompiles().Load();
        string helperId = (string)assembly.GetType("Kernels+Remote")!.GetField("HelloId", BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!;
        Assert.Equal(helperId, (string)Stub(assembly, "Kernels_Call_0_").GetField("Id")!.GetValue(null)!);
    }

    [Fact]
    public void Overloads_get_their_own_ids_and_each_invoker_runs_its_own_overload()
    {
        // Found by the runtime tests: Add(int, int) and Add(int, int, int) shared an id, so the engine ran the
        // first overload registered with the other's arguments.
        var assembly = Run("""
            using Parallax;
            public static partial class Kernels
            {
                [ParallelEngine] public static int Add(int a, int b) => a + b;
                [ParallelEngine] public static int Add(int a, int b, int c) => 100 + a + b + c;
                [ParallelEngine] public static int Add(double a, double b) => 1000;
                public static int Twice(int x) => 2 * x;
                public static int Twice(long x) => 3;
                public static int[] Map(DirectView v) => v.MapSync<int, int>(Twice, new[] { 1 });
                public static int[] MapLong(DirectView v) => v.MapSync<long, int>(Twice, new[] { 1L });
            }
            """).AssertCompiles().Load();
        RunModuleInitializer(assembly);
        var remote = assembly.GetType("Kernels+Remote")!;
        string[] ids = [.. new[] { "AddId", "Add1Id", "Add2Id" }.Select(name => (string)remote.GetField(name, BindingFlags.Static | BindingFlags.NonPublic)!.GetValue(null)!)];
        Assert.Equal(3, ids.Distinct().Count());
        Assert.Equal(3, InvokeId(ids[0], MemoryPackSerializer.Serialize((1, 2))));
        Assert.Equal(106, InvokeId(ids[1], MemoryPackSerializer.Serialize((1, 2, 3))));
        Assert.Equal(1000, InvokeId(ids[2], MemoryPackSerializer.Serialize((1.0, 2.0))));
        Assert.NotEqual(Stub(assembly, "Kernels_Map_0_").GetField("Id")!.GetValue(null), Stub(assembly, "Kernels_MapLong_0_").GetField("Id")!.GetValue(null));

        static int InvokeId(string id, byte[] arguments)
        {
            Assert.True(EngineDispatch.TryGet(id, out var invoker), $"no invoker registered under {id}");
            return MemoryPackSerializer.Deserialize<int>(invoker(arguments));
        }
    }

    private static Type Stub(Assembly assembly, string prefix, bool register = true)
    {
        var type = assembly.GetTypes().Single(t => t.Namespace == "Parallax.Generated" && t.Name.StartsWith(prefix, StringComparison.Ordinal));
        if (register)
        {
            RunModuleInitializer(assembly);
        }

        return type;
    }

    private static void RunModuleInitializer(Assembly assembly) =>
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);

    // Finds the invoker the module initializer registered, as an engine does, and runs it.
    private static byte[] Invoke(Type stub, byte[] arguments)
    {
        string id = (string)stub.GetField("Id")!.GetValue(null)!;
        Assert.True(EngineDispatch.TryGet(id, out var invoker), $"no invoker registered under {id}");
        return invoker(arguments);
    }
}
