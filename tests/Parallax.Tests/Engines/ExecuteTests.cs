using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

// Inside the namespace, so that it wins over the test namespace Parallax.Tests.Linalg.
using Linalg = Parallax.Linalg;

/// <summary>
/// C# code strings on real engines (DirectView.ExecuteAsync / ExecuteSync): the namespace in scope
/// with its real types, top-level variables stored back, console output, compile errors before
/// anything runs, runtime exceptions, the client's own types, and the compiled-script cache.
/// </summary>
[Collection(EnginesCollection.Name)]
public class ExecuteTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    [Fact]
    public void Declared_and_assigned_top_level_variables_are_stored_back_and_pulled()
    {
        var v = Cl[..];
        v.PushSync("counter", 41);
        v.ExecuteSync("""
            var greeting = $"engine {Engine.Id}";
            counter = counter + 1;
            var squares = Enumerable.Range(1, 3).Select(i => i * i).ToArray();
            int Doubled(int x) => 2 * x;
            var doubled = Doubled(counter);
            """);

        Assert.Equal(["engine 0", "engine 1", "engine 2"], v.PullSync<string>("greeting"));
        Assert.Equal([42, 42, 42], v.PullSync<int>("counter"));
        Assert.All(v.PullSync<int[]>("squares"), s => Assert.Equal([1, 4, 9], s));
        Assert.Equal([84, 84, 84], v.PullSync<int>("doubled"));

        // A variable stored by a code string is read by dispatched code with the type the string declared.
        Assert.Equal([9, 9, 9], v.ApplySync(() => Engine.Get<int[]>("squares")[2]));
        v.ApplySync(() => Engine.Remove("greeting") & Engine.Remove("counter") & Engine.Remove("squares") & Engine.Remove("doubled"));
    }

    [Fact]
    public void Pushed_variables_are_in_scope_with_the_types_they_were_pushed_with()
    {
        var a = Matrices.Random(40, 30, 1);
        var b = Matrices.Random(30, 20, 2);
        var v = Cl[..];
        v.PushSync(new { a, b, xs = new[] { 1.5, 2.5, 3.0 }, names = new List<string> { "x", "yy" } });

        // Each line compiles only if the variable has its real type: a rank-2 array, a double[] with LINQ, a List<string>.
        v.ExecuteSync("""
            var c = Linalg.Dot(a, b);
            var rows = a.GetLength(0) + b.GetLength(1);
            var total = xs.Sum();
            var longest = names.Max(n => n.Length);
            """);

        var expected = Linalg.Dot(a, b);
        Assert.All(v.PullSync<double[,]>("c"), c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's product differs from the local one"));
        Assert.Equal([60, 60, 60], v.PullSync<int>("rows"));
        Assert.Equal([7.0, 7.0, 7.0], v.PullSync<double>("total"));
        Assert.Equal([2, 2, 2], v.PullSync<int>("longest"));
        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("xs") & Engine.Remove("names") & Engine.Remove("c") & Engine.Remove("rows") & Engine.Remove("total") & Engine.Remove("longest"));
    }

    [Fact]
    public void Matrices_a_code_string_only_multiplies_are_read_where_they_lie_and_the_product_is_bitwise_the_arrays_one()
    {
        var a = Matrices.Random(120, 90, 3);
        var b = Matrices.Random(90, 70, 4);
        var v = Cl[..];
        v.PushSync(new { a, b });

        // The seed's In [49] as a code string: a and b are read as views (they stay pushed bytes, no array is made).
        v.ExecuteSync("var c = Linalg.Dot(a, b);\nvar cf = Parallax.Linalg.Dot(a, b)[3, 4];");
        Assert.All(v.ApplySync(() => EngineNamespace.Current.KindOf("a") + " " + EngineNamespace.Current.KindOf("b")), k => Assert.Equal("pushed pushed", k));
        var expected = Linalg.Dot(a, b);
        Assert.All(v.PullSync<double[,]>("c"), c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "the product of views differs from the product of arrays"));
        Assert.Equal([expected[3, 4], expected[3, 4], expected[3, 4]], v.PullSync<double>("cf"));

        // Named anywhere else, a matrix is an array again, in the same string.
        v.ExecuteSync("var d = Linalg.Dot(a, b);\nvar rows = a.GetLength(0);");
        Assert.All(v.ApplySync(() => EngineNamespace.Current.KindOf("a") + " " + EngineNamespace.Current.KindOf("b")), k => Assert.Equal("object pushed", k));
        Assert.Equal([120, 120, 120], v.PullSync<int>("rows"));
        v.ApplySync(() => Engine.Remove("a") & Engine.Remove("b") & Engine.Remove("c") & Engine.Remove("cf") & Engine.Remove("d") & Engine.Remove("rows"));
    }

    [Fact]
    public async Task Console_output_goes_to_the_results_stdout_stderr_and_display_outputs()
    {
        var r = Cl[..].ExecuteAsync("""
            Console.WriteLine($"hello from {Engine.Id}");
            Console.Error.WriteLine("careful");
            """);
        await r;

        Assert.Equal(["hello from 0\n", "hello from 1\n", "hello from 2\n"], r.Stdout);
        Assert.Equal(["careful\n", "careful\n", "careful\n"], r.Stderr);
        var shown = new StringWriter();
        r.DisplayOutputs(shown);
        Assert.Equal("[stdout:0] hello from 0\n[stderr:0] careful\n[stdout:1] hello from 1\n[stderr:1] careful\n[stdout:2] hello from 2\n[stderr:2] careful\n", shown.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_compile_error_on_one_engine_fails_the_call_with_its_position_and_runs_nothing_anywhere()
    {
        var v = Cl[..];

        // Engines 0 and 1 hold an int, engine 2 a string: the code compiles on two engines only.
        v.ApplySync(() => Engine.Remove("ranAnyway"));
        Cl[new[] { 0, 1 }].PushSync("y", 5);
        Cl[2].PushSync("y", "five");
        const string code = "Engine.Set(\"ranAnyway\", true);\nvar z = y * 2;\n";

        var failure = await Assert.ThrowsAsync<ScriptCompilationException>(async () => await v.ExecuteAsync(code));
        Assert.Equal([2], failure.EngineIds);
        var error = Assert.Single(failure.Diagnostics);
        Assert.Equal(("CS0019", 2, 9), (error.Id, error.Line, error.Column));
        Assert.Contains("'*'", error.Message, StringComparison.Ordinal);
        Assert.Contains("(2,9): error CS0019", failure.Message, StringComparison.Ordinal);

        // The side effect of the first line ran nowhere, not even where the code compiled.
        Assert.Equal([false, false, false], v.ApplySync(() => Engine.Contains("ranAnyway")));

        // On one engine: the same exception, and the code did not run either.
        var single = Assert.Throws<ScriptCompilationException>(() => Cl[1].ExecuteSync("Engine.Set(\"ranAnyway\", true);\nvar w = undefinedName;"));
        Assert.Equal([1], single.EngineIds);
        Assert.Equal(("CS0103", 2, 9), (single.Diagnostics[0].Id, single.Diagnostics[0].Line, single.Diagnostics[0].Column));
        Assert.False(Cl[1].ApplySync(() => Engine.Contains("ranAnyway")));
        v.ApplySync(() => Engine.Remove("y"));
    }

    [Fact]
    public void A_runtime_exception_is_a_remote_exception_as_for_apply()
    {
        var single = Assert.Throws<RemoteException>(() => Cl[0].ExecuteSync("var n = 3;\nthrow new InvalidOperationException($\"no {n} on engine {Engine.Id}\");"));
        Assert.Equal(0, single.EngineId);
        Assert.Equal(typeof(InvalidOperationException).FullName, single.RemoteType);
        Assert.Equal("no 3 on engine 0", single.RemoteMessage);
        Assert.Contains("execute:line 2", single.RemoteStackTrace, StringComparison.Ordinal);

        var several = Assert.Throws<RemoteAggregateException>(() => Cl[..].ExecuteSync("int[] empty = []; var first = empty[0];"));
        Assert.Equal([0, 1, 2], several.InnerExceptions.Cast<RemoteException>().Select(e => e.EngineId));
        Assert.All(several.InnerExceptions.Cast<RemoteException>(), e => Assert.Equal(typeof(IndexOutOfRangeException).FullName, e.RemoteType));
    }

    [Fact]
    public void Types_of_the_clients_assembly_can_be_declared_and_are_the_types_dispatched_code_sees()
    {
        var v = Cl[..];
        v.PushSync("who", new Particle("p", [1, 2], 3));
        v.ExecuteSync("""
            var moved = new Parallax.Tests.Engines.Particle(who.Name + "'", who.Position.Select(x => x + Engine.Id).ToArray(), who.Charge * 2);
            """);

        var moved = v.PullSync<Particle>("moved");
        Assert.Equal(["p'", "p'", "p'"], moved.Select(p => p.Name));
        Assert.Equal([6, 6, 6], moved.Select(p => p.Charge));
        Assert.Equal([2.0, 3.0], moved[1].Position);

        // The same type as in dispatched code, not a second copy of the assembly: a lambda reads it back as Particle.
        Assert.Equal([6, 6, 6], v.ApplySync(() => Engine.Get<Particle>("moved").Charge));
        v.ApplySync(() => Engine.Remove("who") & Engine.Remove("moved"));
    }

    [Fact]
    public void One_engine_compiles_the_others_load_its_image_and_the_same_string_again_is_served_from_their_caches()
    {
        var v = Cl[..];
        v.PushSync("seed", 10);

        // A string no other test sends: its first Execute compiles, whatever ran before.
        var code = $"// {Guid.NewGuid():N}\nvar grown = seed + Engine.Id;";
        var before = Counters(v);
        var first = (ExecuteResult)v.ExecuteAsync(code);
        first.Get();
        var afterFirst = Counters(v);
        var second = (ExecuteResult)v.ExecuteAsync(code);
        second.Get();
        var afterSecond = Counters(v);

        // The first target compiled; the others loaded what it compiled, without a compiler of their own.
        Assert.Equal([false, false, false], first.CacheHits);
        Assert.Equal([1L, 0L, 0L], Enumerable.Range(0, 3).Select(i => afterFirst[i].Compiled - before[i].Compiled));
        Assert.Equal([0L, 1L, 1L], Enumerable.Range(0, 3).Select(i => afterFirst[i].Installed - before[i].Installed));

        // Once run, `grown` is in the namespace too; the string still finds its compiled script, on every engine.
        Assert.Equal([true, true, true], second.CacheHits);
        Assert.Equal(afterFirst.Select(c => (c.Compiled, c.Installed)), afterSecond.Select(c => (c.Compiled, c.Installed)));
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(afterSecond[i].CacheHits > afterFirst[i].CacheHits, $"engine {i} counted no cache hit"));
        Assert.Equal([10, 11, 12], v.PullSync<int>("grown"));

        // A variable of another type makes it another script: compiled again, and correct for the new type.
        v.PushSync("seed", 2.5);
        var third = (ExecuteResult)v.ExecuteAsync(code);
        third.Get();
        Assert.Equal([false, false, false], third.CacheHits);
        Assert.Equal([2.5, 3.5, 4.5], v.PullSync<double>("grown"));
        v.ApplySync(() => Engine.Remove("seed") & Engine.Remove("grown"));
    }

    [Fact]
    public void An_engine_whose_namespace_types_differ_compiles_its_own_script()
    {
        var v = Cl[..];
        Cl[new[] { 0, 1 }].PushSync("item", 4);
        Cl[2].PushSync("item", "four");
        var code = $"// {Guid.NewGuid():N}\nvar described = $\"{{item}} is a {{item.GetType().Name}}\";";
        var before = Counters(v);
        v.ExecuteSync(code);
        var after = Counters(v);

        Assert.Equal(["4 is a Int32", "4 is a Int32", "four is a String"], v.PullSync<string>("described"));
        Assert.Equal([1L, 0L, 1L], Enumerable.Range(0, 3).Select(i => after[i].Compiled - before[i].Compiled));
        Assert.Equal([0L, 1L, 0L], Enumerable.Range(0, 3).Select(i => after[i].Installed - before[i].Installed));
        v.ApplySync(() => Engine.Remove("item") & Engine.Remove("described"));
    }

    [Fact]
    public async Task Without_the_scripting_folder_Execute_fails_with_what_to_do_and_the_engine_keeps_serving()
    {
        // An engine host without parallax-scripting/, as a project that references Parallax but not Parallax.Scripting gets it.
        var folder = Directory.CreateTempSubdirectory("parallax-no-scripting-").FullName;
        try
        {
            var bin = AppContext.BaseDirectory;
            foreach (var file in Directory.EnumerateFiles(bin, "Parallax.Engine.*").Concat(new[] { "Parallax.dll", "MemoryPack.Core.dll", "System.Numerics.Tensors.dll" }.Select(f => Path.Combine(bin, f))))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }

            await using var cluster = await Cluster.StartAsync(1, new ClusterOptions { EngineHostPath = Path.Combine(folder, "Parallax.Engine.dll") });
            var failure = Assert.Throws<RemoteException>(() => cluster.Client[0].ExecuteSync("var x = 1;"));
            Assert.Equal(typeof(FileNotFoundException).FullName, failure.RemoteType);
            Assert.Contains(Path.Combine(folder, "parallax-scripting"), failure.RemoteMessage, StringComparison.Ordinal);
            Assert.Contains("dotnet add package Parallax.Scripting", failure.RemoteMessage, StringComparison.Ordinal);
            Assert.Equal(3, cluster.Client[0].ApplySync(() => 1 + 2));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (long Compiled, long Installed, long CacheHits)[] Counters(DirectView v) =>
        [.. v.ApplySync(() => new[] { EngineNamespace.Current.Scripts.Counters.Compiled, EngineNamespace.Current.Scripts.Counters.Installed, EngineNamespace.Current.Scripts.Counters.CacheHits })
            .Select(c => (c[0], c[1], c[2]))];
}
