using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class ClusterOptionsTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public async Task Receive_polling_outside_its_range_is_refused_before_any_engine_starts(int microseconds)
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Cluster.StartAsync(1, new ClusterOptions { ReceivePolling = TimeSpan.FromMicroseconds(microseconds) }));
        Assert.Equal("options.ReceivePolling", error.ParamName);
        Assert.Contains("10 ms", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_000)]
    public async Task Engines_read_the_receive_polling_from_the_connection_file_and_answer_with_it_on_or_off(int microseconds)
    {
        var polling = TimeSpan.FromMicroseconds(microseconds);
        await using var cluster = await Cluster.StartAsync(2, new ClusterOptions { ReceivePolling = polling });
        Assert.Equal(polling, ConnectionInfo.Read(cluster.ConnectionFilePath).Polling);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal([0, 1], cluster.Client[..].ApplySync(() => Engine.Id));
        }
    }

    [Theory]
    [InlineData(1, 2, 2)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 2, 2)]
    [InlineData(2, 8, 4)]
    [InlineData(3, 8, 2)]
    [InlineData(5, 4, 2)]
    [InlineData(16, 8, 1)]
    [InlineData(4, 1, 1)]
    public void Engines_share_the_cores_and_get_twice_the_cores_in_all_when_they_outnumber_them(int engines, int cores, int expected) =>
        Assert.Equal(expected, Cluster.DefaultLinalgThreads(engines, cores));

    [Fact]
    public async Task Each_engine_runs_its_products_on_the_default_threads_unless_the_options_choose()
    {
        await using (var cluster = await Cluster.StartAsync(3))
        {
            var expected = Math.Min(Environment.ProcessorCount, Cluster.DefaultLinalgThreads(3, Environment.ProcessorCount));
            Assert.All(cluster.Client[..].ApplySync(() => Parallax.Linalg.MaxThreads), threads => Assert.Equal(expected, threads));
        }

        await using var chosen = await Cluster.StartAsync(2, new ClusterOptions { LinalgThreadsPerEngine = 1 });
        Assert.All(chosen.Client[..].ApplySync(() => Parallax.Linalg.MaxThreads), threads => Assert.Equal(1, threads));
    }
}
