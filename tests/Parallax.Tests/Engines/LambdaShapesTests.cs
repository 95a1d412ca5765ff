using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Parallax.Tests.Engines;

/// <summary>The shapes lambdas take in real code, each dispatched through its generated stub to real engines.</summary>
[Collection(EnginesCollection.Name)]
public class LambdaShapesTests(ClusterFixture fixture)
{
    private Client Cl => fixture.Client;

    public enum Color
    {
        Red,
        Green,
    }

    [Fact]
    public void Captures_of_value_types_tuples_enums_nullables_and_nested_collections()
    {
        var pair = (Count: 2, Label: "x");
        var color = Color.Green;
        decimal price = 1.25m;
        int? maybe = null;
        Particle? none = null;
        var when = new DateTime(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
        var table = new Dictionary<string, double[]> { ["a"] = [1, 2], ["b"] = [3] };
        var particles = new[] { new Particle("p", [1], 1), new Particle("q", [2, 3], -1) };
        var text = Cl[0].ApplySync(() => string.Create(
            CultureInfo.InvariantCulture,
            $"{pair.Count}{pair.Label} {color} {price * 2} {maybe ?? -1} {none?.Name ?? "none"} {when:yyyy-MM-dd} {table["a"].Sum() + table["b"][0]} {particles.Sum(p => p.Charge * p.Position.Length)}"));
        Assert.Equal("2x Green 2.50 -1 none 2026-11-25 6 -1", text);
    }

    [Fact]
    public void Nested_lambdas_local_functions_and_queries_inside_engine_code()
    {
        var k = 3;
        int[] xs = [1, 2, 3];
        var results = Cl[..].ApplySync(() =>
        {
            int Times(int x) => x * k;
            var query = from x in xs where x > 1 select Times(x) + Engine.Id;
            return xs.Select(x => x * k).Sum() + query.Sum();
        });
        Assert.Equal([18 + 15, 18 + 17, 18 + 19], results);
    }

    [Fact]
    public void Named_arguments_conditional_access_and_several_calls_on_one_line()
    {
        var v = Cl[..];
        EngineView? maybe = Cl[1];
        var n = 4;
        Assert.Equal([4, 5, 6], v.ApplySync(function: () => Engine.Id + n));
        Assert.Equal(5, maybe?.ApplySync(() => Engine.Id + n));
        Assert.Equal((1, 2), (Cl[1].ApplySync(() => Engine.Id), Cl[2].ApplySync(() => Engine.Id)));
        Assert.Equal([8, 10], v.MapSync(items: new[] { 4, 5 }, function: x => x * 2));
    }

    [Fact]
    public void Lambdas_in_generic_methods_local_functions_and_pattern_or_out_variables()
    {
        Assert.Equal(["a", "a", "a"], Twice<string>(Cl[..], "a"));

        int[] Local(DirectView view, int add) => view.ApplySync(() => Engine.Id + add);
        Assert.Equal([10, 11, 12], Local(Cl[..], 10));

        if (int.TryParse("7", CultureInfo.InvariantCulture, out var parsed) && (object)"seven" is string word)
        {
            Assert.Equal(["7 seven", "7 seven", "7 seven"], Cl[..].ApplySync(() => $"{parsed} {word}"));
        }

        using var disposable = new StringReader("line");
        var line = disposable.ReadLine();
        Assert.Equal("line!", Cl[2].ApplySync(() => line + "!"));
    }

    // The lambda uses no type parameter: only its closure class is generic.
    private static string[] Twice<T>(DirectView view, string value)
    {
        _ = typeof(T);
        return view.ApplySync(() => value);
    }

    [Fact]
    public void A_typed_null_travels_and_engine_code_reads_it()
    {
        Cl[..].PushSync<string?>("nothing", null);
        Assert.All(Cl[..].PullSync<string?>("nothing"), Assert.Null);
        Assert.Equal([true, true, true], Cl[..].ApplySync(() => Engine.Contains("nothing") && Engine.Get<string?>("nothing") is null));
        string? absent = null;
        Assert.Equal([true, true, true], Cl[..].ApplySync(() => absent is null));
    }

    [Fact]
    public async Task Method_groups_and_helpers_of_every_shape()
    {
        Assert.Equal([[1, 1], [2, 2]], Cl[..].MapSync(Kernels.Pair<int>, new[] { 1, 2 }));
        Cl[..].ApplySync(Kernels.Mark);
        Assert.Equal([0, 1, 2], Cl[..].PullSync<int>("marked"));

        int[] sums = await Kernels.Nested.Remote.AddAsync(Cl[..], 1, 2);
        Assert.Equal([3, 3, 3], sums);
        Assert.Equal(6, await Kernels.Nested.Remote.AddAsync(Cl[0], 1, 2, 3));
        Assert.Equal("engine 2", Kernels.Nested.Remote.WhereSync(Cl[2]));
        using var cancel = new CancellationTokenSource();
        Assert.Equal(["engine 1", "engine 0"], await Kernels.Nested.Remote.WhereAsync(Cl[new[] { 1, 0 }], cancel.Token));
    }

    [Fact]
    public void Static_lambdas_explicit_return_types_and_lambdas_in_iterators()
    {
        Assert.Equal(["static", "static", "static"], Cl[..].ApplySync(static () => "static"));
        Assert.Equal([0L, 1, 2], Cl[..].ApplySync(long () => Engine.Id));
        Assert.Equal([[0, 9], [1, 9], [2, 9]], Lazily(Cl, 9).ToArray());
    }

    // An iterator hoists its locals into a state machine; the lambda's closure is built inside it.
    private static IEnumerable<int[]> Lazily(Client cl, int nine)
    {
        foreach (var id in cl.Ids)
        {
            yield return cl[id].ApplySync(() => new[] { Engine.Id, nine });
        }
    }

    [Fact]
    public async Task Concurrent_calls_from_many_threads_each_get_their_own_result()
    {
        var v = Cl[..];
        var calls = Enumerable.Range(0, 60).Select(i => Task.Run(async () =>
        {
            int[] byEngine = i % 2 == 0 ? v.ApplySync(() => (i * 10) + Engine.Id) : await v.ApplyAsync(() => (i * 10) + Engine.Id);
            return (i, byEngine);
        })).ToArray();
        foreach (var (i, byEngine) in await Task.WhenAll(calls))
        {
            Assert.Equal([i * 10, (i * 10) + 1, (i * 10) + 2], byEngine);
        }
    }

    [Fact]
    public void Map_results_above_the_shared_memory_threshold_come_back_in_item_order()
    {
        var length = 20_000; // 160 KB per item, above the fixture's 64 KiB threshold
        var rows = Cl[..].MapSync(i => Enumerable.Repeat((double)i, length).ToArray(), Enumerable.Range(0, 5));
        Assert.Equal(5, rows.Length);
        Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(Enumerable.Repeat((double)i, length), rows[i]));
    }

    /// <summary>What docs/engines-generator.md lists as sendable without a formatter of one's own, captured and returned.</summary>
    [Fact]
    public void Every_kind_the_generator_accepts_travels_both_ways()
    {
        var complex = new Complex(1, -2);
        var vector = new Vector3(1, 2, 3);
        var span = TimeSpan.FromMinutes(90);
        var offset = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.FromHours(3));
        (int, double)[] pairs = [(1, 0.5), (2, 1.5)];
        var kv = new KeyValuePair<string, int>("k", 7);
        var set = new HashSet<string> { "a", "b" };
        var immutable = ImmutableArray.Create(1, 2, 3);
        var uri = new Uri("https://example.org/x?y=1");
        var version = new Version(1, 2, 3, 4);
        var builder = new StringBuilder("built");
        var queue = new Queue<int>([4, 5]);
        int?[] nullable = [1, null];
        var color = Color.Red;
        var jagged = new[] { new[] { 1 }, [2, 3] };
        var sorted = new SortedDictionary<int, string> { [2] = "two", [1] = "one" };
        var text = Cl[1].ApplySync(() => string.Create(CultureInfo.InvariantCulture,
            $"{complex.Imaginary} {vector.Z} {span.TotalHours} {offset.Offset.Hours} {pairs[1].Item2} {kv.Key}{kv.Value} {set.Count} {immutable.Sum()} {uri.Host} {version.Revision} {builder} {queue.Peek()} {nullable[1] is null} {color} {jagged[1][1]} {string.Join(",", sorted.Values)}"));
        Assert.Equal("-2 3 1.5 3 1.5 k7 2 6 example.org 4 built 4 True Red 3 one,two", text);

        Assert.Equal(complex * 2, Cl[0].ApplySync(() => complex * 2));
        Assert.Equal(vector * 2, Cl[0].ApplySync(() => vector * 2));
        Assert.Equal(offset.AddDays(1), Cl[0].ApplySync(() => offset.AddDays(1)));
        Assert.Equal(span * 2, Cl[0].ApplySync(() => span * 2));
        Assert.Equal(pairs, Cl[0].ApplySync(() => pairs));
        Assert.Equal(kv, Cl[0].ApplySync(() => kv));
        Assert.Equal(set, Cl[0].ApplySync(() => set));
        Assert.Equal([1, 2, 3], Cl[0].ApplySync(() => immutable).ToArray()); // ImmutableArray equality is by reference
        Assert.Equal(uri, Cl[0].ApplySync(() => uri));
        Assert.Equal(version, Cl[0].ApplySync(() => version));
        Assert.Equal("built!", Cl[0].ApplySync(() => builder.Append('!')).ToString());
        Assert.Equal(queue, Cl[0].ApplySync(() => queue));
        Assert.Equal(nullable, Cl[0].ApplySync(() => nullable));
        Assert.Equal(Color.Green, Cl[0].ApplySync(() => color + 1));
        Assert.Equal(jagged, Cl[0].ApplySync(() => jagged));
        Assert.Equal(sorted, Cl[0].ApplySync(() => sorted));
        Assert.Equal((1, "one", 2.0), Cl[0].ApplySync(() => (1, sorted[1], 2.0)));
    }
}
