namespace Parallax.Tests.Engines;

[Collection(EnginesCollection.Name)]
public class PushPullTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    public static TheoryData<string> Kinds => ["int", "double", "string", "double[]", "double[,]", "int[]", "string[]", "List", "Dictionary", "record", "DateTime", "Guid", "big double[]", "big double[,]"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_of_value_round_trips_as_bytes_and_through_engine_code(string kind)
    {
        switch (kind)
        {
            case "int": RoundTrip(42); break;
            case "double": RoundTrip(Math.PI); break;
            case "string": RoundTrip("Привет, engines"); break;
            case "double[]": RoundTrip(new[] { 1.5, -2, double.NaN }); break;
            case "double[,]": RoundTrip(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }); break;
            case "int[]": RoundTrip(Array.Empty<int>()); break;
            case "string[]": RoundTrip(new[] { "a", "", "c" }); break;
            case "List": RoundTrip(new List<int> { 3, 1, 2 }); break;
            case "Dictionary": RoundTrip(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 }); break;
            case "record": RoundTrip(new Particle("p", [1, 2, 3], -1), (e, a) => { Assert.Equal(e with { Position = [] }, a with { Position = [] }); Assert.Equal(e.Position, a.Position); }); break;
            case "DateTime": RoundTrip(new DateTime(2026, 11, 25, 6, 0, 0, DateTimeKind.Utc)); break;
            case "Guid": RoundTrip(Guid.NewGuid()); break;
            case "big double[]": RoundTrip(Enumerable.Range(0, 200_000).Select(i => i * 0.5).ToArray()); break;
            case "big double[,]": RoundTrip(Matrices.Random(400, 300, 7)); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private void RoundTrip<T>(T value, Action<T, T>? assertEqual = null)
    {
        assertEqual ??= (e, a) => Assert.Equal(e, a);
        var v = Cl[..];
        v.Push("x", value);
        foreach (var pulled in v.Pull<T>("x"))
        {
            assertEqual(value, pulled); // the pushed bytes, returned as they are
        }

        v.Submit(Stubs.Call(Stubs.CopyId<T>())).Get();
        foreach (var pulled in v.Pull<T>("y"))
        {
            assertEqual(value, pulled); // deserialized on the engine, set as an object, serialized again
        }

        assertEqual(value, Cl[2].Pull<T>("y"));
    }

    [Fact]
    public void Push_takes_an_anonymous_object_a_dictionary_or_the_indexer()
    {
        var v = Cl[0..2];
        v.Push(new { p = 1, q = "two" });
        v.Push(new Dictionary<string, object?> { ["r"] = 3.0 });
        v["s"] = new[] { 4, 5 };
        Cl[2]["s"] = new[] { 6 };
        Assert.Equal([1, 1], v.Pull<int>("p"));
        Assert.Equal(["two", "two"], v.Pull<string>("q"));
        Assert.Equal([3.0, 3.0], v.Pull<double>("r"));
        Assert.Equal([[4, 5], [4, 5]], v.Pull<int[]>("s"));
        Assert.Equal([6], Cl[2].Pull<int[]>("s"));
        Assert.Throws<ArgumentNullException>(() => v.Push(new Dictionary<string, object?> { ["n"] = null }));
    }

    [Fact]
    public async Task Pulling_a_missing_variable_or_the_wrong_type_says_what_to_do()
    {
        var missing = await Assert.ThrowsAsync<RemoteException>(() => Cl[1].PullAsync<int>("never-pushed"));
        Assert.Equal(1, missing.EngineId);
        Assert.Equal(3, Assert.Throws<RemoteExceptions>(() => Cl[..].Pull<int>("never-pushed")).InnerExceptions.Count);
        Assert.Equal(typeof(KeyNotFoundException).FullName, missing.RemoteType);
        Assert.Contains("never-pushed", missing.RemoteMessage);

        Cl[0].Push("typed", 1.0);
        var wrong = Assert.Throws<RemoteException>(() => Cl[0].Pull<int>("typed"));
        Assert.Equal(typeof(InvalidCastException).FullName, wrong.RemoteType);
        Assert.Contains("System.Double", wrong.RemoteMessage);
    }

    [Fact]
    public async Task Scatter_and_gather_split_and_join_along_the_first_dimension()
    {
        var v = Cl[..];
        var x = Enumerable.Range(0, 10).Select(i => (double)i).ToArray();
        await v.ScatterAsync("x", x);
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]], v.Pull<double[]>("x"));
        Assert.Equal([6.0, 15, 24], v.Submit<double>(Stubs.Call(Stubs.SumBlock)).Get());
        Assert.Equal(x, v.Gather<double[]>("x"));

        var m = Matrices.Random(301, 5, 3);
        v.Scatter("m", m);
        Assert.Equal([101, 100, 100], v.Pull<double[,]>("m").Select(block => block.GetLength(0)));
        Assert.Equal(m, await v.GatherAsync<double[,]>("m"));

        var few = new[] { 1, 2 };
        v.Scatter("few", few);
        Assert.Equal(few, v.Gather<int[]>("few"));
    }
}
