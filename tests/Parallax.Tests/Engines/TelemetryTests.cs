using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Parallax.Tests.Engines;

/// <summary>
/// A cluster is observable without code from the user: an activity per call, push and pull, counters
/// of requests, bytes and engine deaths on the Parallax.Engines meter, and its log through an ILogger.
/// Each test listens on its own cluster and counts only what carries that cluster's id or happened
/// while only it ran (engine tests run one class at a time).
/// </summary>
[Collection(EnginesCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TelemetryTests
{
    [Fact]
    public async Task Calls_pushes_pulls_and_deaths_reach_activity_and_meter_listeners_and_the_logger()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Parallax.Engines",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(activityListener);

        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Operation, string? Cluster)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Parallax.Engines")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Tag(tags, "parallax.operation"), Tag(tags, "parallax.cluster.id"))));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Tag(tags, "parallax.operation"), Tag(tags, "parallax.cluster.id"))));
        meterListener.Start();

        var logger = new ListLogger();
        await using var cluster = await Cluster.StartAsync(2, new ClusterOptions { Logger = logger, SharedMemoryThreshold = 64 << 10 });
        var cl = cluster.Client;
        var clusterId = cluster.Connection.ClusterId;

        // One call on two engines, one push through shared memory, one pull.
        Assert.Equal([0, 1], cl[..].ApplySync(() => Engine.Id));
        var big = new double[100_000];
        cl[..].PushSync(new { big });
        Assert.Equal(100_000, cl[0].PullSync<double[]>("big").Length);
        Assert.Throws<RemoteException>(() => cl[1].PullSync<int>("never-pushed"));

        var mine = activities.Where(a => (string?)a.GetTagItem("parallax.cluster.id") == clusterId).ToArray();
        // Each engine's warm-up call as it started (ClusterOptions.IsWarmUpEnabled), then the call on both.
        var applies = mine.Where(a => a.OperationName == "parallax.apply").ToArray();
        Assert.Equal(["0", "0,1", "1"], applies.Select(a => (string?)a.GetTagItem("parallax.engine.ids")).Order(StringComparer.Ordinal));
        var apply = Assert.Single(applies, a => (string?)a.GetTagItem("parallax.engine.ids") == "0,1");
        Assert.Equal(ActivityStatusCode.Unset, apply.Status);
        Assert.Single(mine, a => a.OperationName == "parallax.push");
        var pulls = mine.Where(a => a.OperationName == "parallax.pull").ToArray();
        Assert.Equal(2, pulls.Length);
        Assert.Single(pulls, p => p.Status == ActivityStatusCode.Error && (string?)p.GetTagItem("error.type") == typeof(RemoteException).FullName);

        // The call's activity does not become the caller's current activity.
        Assert.Null(Activity.Current);

        meterListener.RecordObservableInstruments();
        Assert.True(Sum(measurements, "parallax.engine.requests", "apply") >= 2);
        Assert.True(Sum(measurements, "parallax.engine.requests", "push") >= 2);
        Assert.True(Sum(measurements, "parallax.engine.requests", "pull") >= 2);
        Assert.True(Sum(measurements, "parallax.engine.push.bytes") >= big.Length * sizeof(double));
        Assert.True(Sum(measurements, "parallax.engine.segment.bytes") >= big.Length * sizeof(double));
        Assert.True(Sum(measurements, "parallax.engine.received.bytes") >= big.Length * sizeof(double));
        Assert.Contains(measurements, m => m.Instrument == "parallax.engine.call.duration" && m.Operation == "apply" && m.Value > 0);

        // An engine killed under the client is a death, a warning, and nothing else is.
        // Deaths counted for this cluster only: engines of other test classes (silos, standing clusters) die meanwhile.
        double Deaths() => measurements.Where(m => m.Instrument == "parallax.engine.deaths" && m.Cluster == clusterId).Sum(m => m.Value);
        var deathsBefore = Deaths();
        Process.Start("kill", ["-9", cluster.GetEngine(1)!.Process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
        await Assert.ThrowsAsync<EngineDiedException>(() => cl[1].ApplyAsync(() => Thread.Sleep(Timeout.Infinite)).WaitAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, Deaths() - deathsBefore);
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("engine 1 is gone", StringComparison.Ordinal));

        await cluster.DisposeAsync();
        Assert.Equal(1, Deaths() - deathsBefore); // an ordered shutdown is not a death
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("[engine 0] exiting", StringComparison.Ordinal));
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }

    private static double Sum(IEnumerable<(string Instrument, double Value, string? Operation, string? Cluster)> measurements, string instrument, string? operation = null) =>
        measurements.Where(m => m.Instrument == instrument && (operation is null || m.Operation == operation)).Sum(m => m.Value);

    private sealed class ListLogger : ILogger
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
