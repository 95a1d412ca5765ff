using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// Shared-memory segments are reused (PushSegments on the client, ReplySegments on engines) because a
/// first write to fresh pages dominates large transfers on a VM. Reuse must never hand out pages a
/// reader still needs, and must keep /dev/shm bounded.
/// </summary>
[Collection(EnginesCollection.Name)]
public class SegmentReuseTests(ClusterFixture fixture)
{
    [Fact]
    public void A_pushed_value_no_engine_has_read_yet_is_never_overwritten_by_a_later_push()
    {
        var v = fixture.Client[..];
        var p = Filled(300_000, 1);
        var q = Filled(300_000, 2);
        v.PushSync("reuse_p", p); // stays unread on every engine: its segment is still mapped
        v.PushSync("reuse_q", q); // so this push must not reuse it
        for (var i = 3; i < 8; i++)
        {
            v.PushSync("reuse_r", Filled(300_000, i));
            Assert.All(v.ApplySync(() => Engine.Get<double[]>("reuse_r")[299_999]), last => Assert.Equal(Filled(300_000, i)[299_999], last));
        }

        Assert.All(v.PullSync<double[]>("reuse_p"), pulled => Assert.Equal(p, pulled));
        Assert.All(v.PullSync<double[]>("reuse_q"), pulled => Assert.Equal(q, pulled));
        v.ApplySync(() => Engine.Remove("reuse_p") && Engine.Remove("reuse_q") && Engine.Remove("reuse_r"));
    }

    [Fact]
    public void Repeated_large_pushes_and_pulls_stay_correct_and_keep_shared_memory_bounded()
    {
        var v = fixture.Client[..];
        var createdBefore = fixture.Cluster.PushSegments.Created;
        for (var i = 0; i < 12; i++)
        {
            var x = Filled(200_000, 100 + i);
            v.PushSync("reuse_x", x);
            Assert.All(v.ApplySync(() => Engine.Get<double[]>("reuse_x").Sum()), sum => Assert.Equal(x.Sum(), sum));
            Assert.All(v.PullSync<double[]>("reuse_x"), pulled => Assert.Equal(x, pulled));
        }

        // Every engine read x before the next push, and says so before it replies, so 12 pushes need at most two segments (none when an earlier test left one that fits).
        Assert.InRange(fixture.Cluster.PushSegments.Created - createdBefore, 0, 2);
        ClusterFixture.AssertSharedMemoryBounded(fixture.Cluster);
    }

    [Fact]
    public void Large_scatters_write_blocks_straight_from_the_source_and_gather_back_exactly()
    {
        var v = fixture.Client[..];
        var x = Filled(500_001, 9);
        v.ScatterSync("xs", x);
        Assert.Equal([166_667, 166_667, 166_667], v.ApplySync(() => Engine.Get<double[]>("xs").Length));
        Assert.Equal(x, v.GatherSync<double[]>("xs"));

        var m = new long[701, 613];
        var random = new Random(4);
        for (var i = 0; i < m.GetLength(0); i++)
        {
            for (var j = 0; j < m.GetLength(1); j++)
            {
                m[i, j] = random.NextInt64();
            }
        }

        v.ScatterSync("ms", m);
        Assert.Equal([234, 234, 233], v.ApplySync(() => Engine.Get<long[,]>("ms").GetLength(0)));
        Assert.Equal(m, v.GatherSync<long[,]>("ms"));
    }

    [Fact]
    public void Gather_joins_blocks_engines_computed_in_target_order()
    {
        var v = fixture.Client[..];
        v.ApplySync(() =>
        {
            var block = new double[Engine.Id + 1, 3];
            for (var i = 0; i < block.GetLength(0); i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    block[i, j] = (Engine.Id * 100) + (i * 10) + j;
                }
            }

            Engine.Set("blk", block);
            Engine.Set("odd", new int[Engine.Id + 1, Engine.Id + 1]);
        });

        var joined = v.GatherSync<double[,]>("blk");
        Assert.Equal(6, joined.GetLength(0));
        Assert.Equal([0.0, 1, 2, 100, 101, 102, 110, 111, 112, 200, 201, 202], joined.Cast<double>().Take(12));
        Assert.Equal(221, joined[5, 1]);
        Assert.Equal([200.0, 201, 202, 210, 211, 212, 220, 221, 222], fixture.Client[new[] { 2 }].GatherSync<double[,]>("blk").Cast<double>());
        Assert.Contains("columns", Assert.Throws<InvalidOperationException>(() => v.GatherSync<int[,]>("odd")).Message);
    }

    private static double[] Filled(int n, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => random.NextDouble())];
    }
}
