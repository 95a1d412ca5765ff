namespace Parallax.Tests.Engines;

[Collection(EnginesCollection.Name)]
public class PushPullTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    public static TheoryData<string> Kinds => ["int", "double", "string", "double[]", "double[,]", "int[]", "string[]", "List", "Dictionary", "record", "DateTime", "Guid", "big double[]", "big double[,]"];

    /// <summary>
    /// Each kind is pushed four ways (Push&lt;T&gt;, anonymous object, indexer, dictionary) and pulled as
    /// pushed; engine code then reads each as T (its own lambda per kind: a lambda cannot capture a type
    /// parameter), returns it as the call's result and stores a copy, which is pulled again.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_of_value_round_trips_through_push_engine_code_and_pull(string kind)
    {
        switch (kind)
        {
            case "int": RoundTrip(42, (v, name) => v.ApplySync(() => EngineSide.Copy<int>(name))); break;
            case "double": RoundTrip(Math.PI, (v, name) => v.ApplySync(() => EngineSide.Copy<double>(name))); break;
            case "string": RoundTrip("Привет, engines", (v, name) => v.ApplySync(() => EngineSide.Copy<string>(name))); break;
            case "double[]": RoundTrip(new[] { 1.5, -2, double.NaN }, (v, name) => v.ApplySync(() => EngineSide.Copy<double[]>(name))); break;
            case "double[,]": RoundTrip(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }, (v, name) => v.ApplySync(() => EngineSide.Copy<double[,]>(name))); break;
            case "int[]": RoundTrip(new[] { 3, -1, int.MaxValue }, (v, name) => v.ApplySync(() => EngineSide.Copy<int[]>(name))); break;
            case "string[]": RoundTrip(new[] { "a", "", "c" }, (v, name) => v.ApplySync(() => EngineSide.Copy<string[]>(name))); break;
            case "List": RoundTrip(new List<int> { 3, 1, 2 }, (v, name) => v.ApplySync(() => EngineSide.Copy<List<int>>(name))); break;
            case "Dictionary": RoundTrip(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 }, (v, name) => v.ApplySync(() => EngineSide.Copy<Dictionary<string, int>>(name))); break;
            case "record":
                RoundTrip(
                    new Particle("p", [1, 2, 3], -1),
                    (v, name) => v.ApplySync(() => EngineSide.Copy<Particle>(name)),
                    (e, a) =>
                    {
                        Assert.Equal((e.Name, e.Charge), (a.Name, a.Charge));
                        Assert.Equal(e.Position, a.Position);
                    });
                break;
            case "DateTime": RoundTrip(new DateTime(2026, 11, 25, 6, 0, 0, DateTimeKind.Utc), (v, name) => v.ApplySync(() => EngineSide.Copy<DateTime>(name))); break;
            case "Guid": RoundTrip(Guid.NewGuid(), (v, name) => v.ApplySync(() => EngineSide.Copy<Guid>(name))); break;
            case "big double[]": RoundTrip(Enumerable.Range(0, 200_000).Select(i => i * 0.5).ToArray(), (v, name) => v.ApplySync(() => EngineSide.Copy<double[]>(name))); break;
            case "big double[,]": RoundTrip(Matrices.Random(400, 300, 7), (v, name) => v.ApplySync(() => EngineSide.Copy<double[,]>(name))); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        ClusterFixture.AssertSharedMemoryBounded(fixture.Cluster);
    }

    private void RoundTrip<T>(T value, Func<DirectView, string, T[]> copyOnEngines, Action<T, T>? assertEqual = null)
        where T : notnull
    {
        assertEqual ??= (e, a) => Assert.Equal(e, a);
        var v = Cl[..];
        v.PushSync("x0", value);
        v.PushSync(new { x1 = value });
        v["x2"] = value;
        v.PushSync(new Dictionary<string, object?> { ["x3"] = value });
        foreach (var name in new[] { "x0", "x1", "x2", "x3" })
        {
            foreach (var pulled in v.PullSync<T>(name))
            {
                assertEqual(value, pulled); // the pushed bytes, returned as they are
            }

            foreach (var returned in copyOnEngines(v, name))
            {
                assertEqual(value, returned); // deserialized on the engine, returned as the lambda's result
            }

            foreach (var pulled in v.PullSync<T>("y_" + name))
            {
                assertEqual(value, pulled); // set as an object by engine code, serialized again on pull
            }
        }

        assertEqual(value, Cl[2].PullSync<T>("y_x0"));
    }

    [Fact]
    public void BigInteger_which_MemoryPack_turns_into_0_is_refused_on_push_and_pull()
    {
        var v = Cl[..];
        Assert.Contains("ToByteArray", Assert.Throws<NotSupportedException>(() => v.PushSync("big", System.Numerics.BigInteger.Pow(10, 30))).Message);
        Assert.Throws<NotSupportedException>(() => v.PushSync(new { bigs = new List<System.Numerics.BigInteger> { 1 } }));
        Assert.Throws<NotSupportedException>(() => v.PullSync<System.Numerics.BigInteger[]>("big"));
        Assert.DoesNotContain(true, v.ApplySync(() => Engine.Contains("big")));
    }

    [Fact]
    public void Push_takes_an_anonymous_object_a_dictionary_or_the_indexer()
    {
        var v = Cl[0..2];
        v.PushSync(new { p = 1, q = "two" });
        v.PushSync(new Dictionary<string, object?> { ["r"] = 3.0 });
        v["s"] = new[] { 4, 5 };
        Cl[2]["s"] = new[] { 6 };
        Cl[2].PushSync(new { p = 7 });
        Assert.Equal([1, 1], v.PullSync<int>("p"));
        Assert.Equal(["two", "two"], v.PullSync<string>("q"));
        Assert.Equal([3.0, 3.0], v.PullSync<double>("r"));
        Assert.Equal([[4, 5], [4, 5]], v.PullSync<int[]>("s"));
        Assert.Equal([6], Cl[2].PullSync<int[]>("s"));

        // Engine code sees what was pushed, each engine its own.
        Assert.Equal(["1 two 3 2", "1 two 3 2", "7 none 0 1"], Cl[..].ApplySync(() => string.Join(" ", Engine.Get<int>("p"), Engine.Contains("q") ? Engine.Get<string>("q") : "none", Engine.Contains("r") ? Engine.Get<double>("r") : 0, Engine.Get<int[]>("s").Length)));
        Assert.Throws<ArgumentNullException>(() => v.PushSync(new Dictionary<string, object?> { ["n"] = null }));
    }

    [Fact]
    public void Push_takes_typed_and_read_only_dictionaries_with_string_keys()
    {
        var v = Cl[0..2];
        v.PushSync(new Dictionary<string, double[]> { ["td_a"] = [1.0, 2.0], ["td_b"] = [3.0] });
        v.PushSync((IReadOnlyDictionary<string, int>)new SortedDictionary<string, int> { ["td_c"] = 5 });
        v.PushSync(new Dictionary<string, string?> { ["td_null"] = null }); // the value type says what the null is

        Assert.Equal([[1.0, 2.0], [1.0, 2.0]], v.PullSync<double[]>("td_a"));
        Assert.Equal([3.0, 3.0], v.ApplySync(() => Engine.Get<double[]>("td_b")[0]));
        Assert.Equal([5, 5], v.PullSync<int>("td_c"));
        Assert.Equal([true, true], v.ApplySync(() => Engine.Get<string?>("td_null") is null));

        var wrongKeys = Assert.Throws<ArgumentException>(() => v.PushSync(new Dictionary<int, double> { [1] = 1.0 }));
        Assert.Contains("string keys", wrongKeys.Message);
        v.ApplySync(() => Engine.Remove("td_a") & Engine.Remove("td_b") & Engine.Remove("td_c") & Engine.Remove("td_null"));
    }

    [Fact]
    public async Task Pulling_a_missing_variable_or_the_wrong_type_says_what_to_do()
    {
        var missing = await Assert.ThrowsAsync<RemoteException>(() => Cl[1].PullAsync<int>("never-pushed"));
        Assert.Equal(1, missing.EngineId);
        Assert.Equal(3, Assert.Throws<RemoteAggregateException>(() => Cl[..].PullSync<int>("never-pushed")).InnerExceptions.Count);
        Assert.Equal(typeof(KeyNotFoundException).FullName, missing.RemoteType);
        Assert.Contains("never-pushed", missing.RemoteMessage);

        await Cl[0].PushAsync("typed", 1.0);
        Assert.Equal([1.0, 0.0], Cl[0..2].ApplySync(() => Engine.Contains("typed") ? Engine.Get<double>("typed") : 0.0)); // only the view's engine
        var wrong = Assert.Throws<RemoteException>(() => Cl[0].PullSync<int>("typed"));
        Assert.Equal(typeof(InvalidCastException).FullName, wrong.RemoteType);
        Assert.Contains("System.Double", wrong.RemoteMessage);
        var wrongOnEngine = Assert.Throws<RemoteException>(() => Cl[0].ApplySync(() => Engine.Get<string>("typed")));
        Assert.Equal(typeof(InvalidCastException).FullName, wrongOnEngine.RemoteType);
    }

    [Fact]
    public async Task PullInto_fills_the_callers_arrays_in_target_order_and_refuses_other_shapes()
    {
        var v = Cl[..];
        v.ApplySync(() => Engine.Set("pi_m", Matrices.Random(400, 300, Engine.Id))); // 960 KB each: through shared memory
        v.ApplySync(() => Engine.Set("pi_v", Enumerable.Range(0, 5).Select(i => i * (Engine.Id + 1)).ToArray()));
        var matrices = new[] { new double[400, 300], new double[400, 300], new double[400, 300] };
        for (var round = 0; round < 2; round++)
        {
            // The same arrays twice: a second pull overwrites them with the engines' current values.
            v.PullIntoSync("pi_m", matrices);
            Assert.Equal(v.PullSync<double[,]>("pi_m"), matrices);
            Assert.Equal(Matrices.Random(400, 300, 2), matrices[2]);
        }

        var vectors = new[] { new int[5], new int[5], new int[5] };
        await v.PullIntoAsync("pi_v", vectors);
        Assert.Equal([[0, 1, 2, 3, 4], [0, 2, 4, 6, 8], [0, 3, 6, 9, 12]], vectors);
        var single = new int[5];
        Cl[1].PullIntoSync("pi_v", single);
        Assert.Equal([0, 2, 4, 6, 8], single);

        var wrong = new[] { new double[400, 300], new double[300, 400], new double[400, 300] };
        var shape = Assert.Throws<InvalidOperationException>(() => v.PullIntoSync("pi_m", wrong));
        Assert.Contains("Engine 1's 'pi_m' is [400, 300], but destinations[1] is [300, 400]", shape.Message);
        Assert.All(MemoryMarshalHelper(wrong[1]), x => Assert.Equal(0.0, x)); // nothing of it was written

        Assert.Contains("3 targets but 2 destinations", Assert.Throws<ArgumentException>(() => v.PullIntoSync("pi_v", new int[2][])).Message);
        Assert.Contains("same array", Assert.Throws<ArgumentException>(() => v.PullIntoSync("pi_v", [vectors[0], vectors[1], vectors[0]])).Message);
        Assert.Contains("arrays of primitives", Assert.Throws<ArgumentException>(() => v.PullIntoSync("pi_v", new string[3][])).Message);
        v.ApplySync(() => Engine.Remove("pi_m") & Engine.Remove("pi_v"));

        static double[] MemoryMarshalHelper(double[,] m) => [.. m.Cast<double>()];
    }

    [Fact]
    public async Task Scatter_and_gather_split_and_join_along_the_first_dimension()
    {
        var v = Cl[..];
        var x = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();
        await v.ScatterAsync("x", x);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]], v.PullSync<double[]>("x"));
        Assert.Equal([6.0, 15, 24], v.ApplySync(() => Engine.Get<double[]>("x").Sum()));
        Assert.Equal(x, v.GatherSync<double[]>("x"));

        // Scatter, compute on every block, gather: an uneven split of a matrix's rows.
        var m = Matrices.Random(301, 5, 3);
        v.ScatterSync("m", m);
        Assert.Equal([101, 100, 100], v.PullSync<double[,]>("m").Select(block => block.GetLength(0)));
        Assert.Equal([101, 100, 100], v.ApplySync(() => Engine.Get<double[,]>("m").GetLength(0)));
        Assert.Equal(m, await v.GatherAsync<double[,]>("m"));
        v.ApplySync(() => Engine.Set("m2", Kernels.Scale(Engine.Get<double[,]>("m"), 2)));
        Assert.Equal(Kernels.Scale(m, 2), v.GatherSync<double[,]>("m2"));

        // Fewer items than engines: the last block is empty.
        var few = new[] { 1, 2 };
        v.ScatterSync("few", few);
        Assert.Equal([1, 1, 0], v.ApplySync(() => Engine.Get<int[]>("few").Length));
        Assert.Equal(few, v.GatherSync<int[]>("few"));

        // Reference elements and a view of two engines.
        var names = new[] { "a", "b", "c", "d", "e" };
        var two = Cl[new[] { 2, 0 }];
        two.ScatterSync("names", names);
        Assert.Equal(["abc", "de"], two.ApplySync(() => string.Concat(Engine.Get<string[]>("names"))));
        Assert.Equal(names, two.GatherSync<string[]>("names"));
    }
}
