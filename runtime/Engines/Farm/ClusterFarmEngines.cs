using Parallax.CompilerServices;

namespace Parallax.Engines.Farm;

/// <summary>The engines of a local cluster, as the task farm sees them.</summary>
internal sealed class ClusterFarmEngines(Client client) : IFarmEngines
{
    private readonly int[] all = [.. Enumerable.Range(0, client.Cluster.EngineCount)];

    public IReadOnlyList<int> LiveEngineIds => client.Cluster.LiveEngineIds();

    public IReadOnlyList<int> AllEngineIds => all;

    public Task Changed => client.Changed;

    public bool IsRestarting(int engineId) => client.Cluster.IsRestarting(engineId);

    public IDispatchedCall Dispatch(int engineId, EngineCall call, ICallSink sink)
    {
        var result = new SinkResult(engineId, sink);
        result.CancelsWork();
        client.SendCall(result, [engineId], call);
        return result;
    }

    /// <summary>A one-engine result that hands its outcome to a sink instead of keeping it.</summary>
    private sealed class SinkResult(int engineId, ICallSink sink) : AsyncResult([engineId], default), IDispatchedCall
    {
        private protected override void DecodePart(int index, ReadOnlySpan<byte> data, CallReport report) => sink.Completed(data, report);

        private protected override bool Handles(int index, Exception exception)
        {
            sink.Failed(exception);
            return true;
        }
    }
}
