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
}
