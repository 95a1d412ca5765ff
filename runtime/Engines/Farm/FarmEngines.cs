using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>A client's engines as the task farm sees them: the seam (<see cref="IEngines"/>), whatever implements it.</summary>
internal sealed class FarmEngines(Client client) : IFarmEngines
{
    private int[] all = [];

    public IReadOnlyList<int> LiveEngineIds => client.Engines.LiveIds;

    /// <summary>Gets every engine id, read again when the count changes (engines on silos that join later).</summary>
    public IReadOnlyList<int> AllEngineIds
    {
        get
        {
            var known = Volatile.Read(ref all);
            var count = client.Engines.EngineCount;
            if (known.Length != count)
            {
                Volatile.Write(ref all, known = [.. Enumerable.Range(0, count)]);
            }

            return known;
        }
    }

    public Task Changed => client.Engines.Changed;

    /// <summary>An engine with no connection is being (re)started; one whose connection is dead stays dead until someone restarts it.</summary>
    public bool IsRestarting(int engineId) => !client.Engines.IsClosed && client.Engines.Connection(engineId) is null;

    public IDispatchedCall Dispatch(int engineId, EngineCall call, ICallSink sink)
    {
        var result = new SinkResult(engineId, sink);
        result.CancelsWork();
        try
        {
            client.Submit(new ApplyRequest(call.DispatchId, call.AssemblyPath, call.Arguments ?? [], DispatchAssemblies.Mvid(call.AssemblyPath)), [engineId], result);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or NotSupportedException or IOException)
        {
            // Refused before it went out (the engines closed, no room for a segment): Submit failed the
            // result's target with the exception, which the sink has.
        }

        return result;
    }

    /// <summary>A one-engine result that hands its outcome to a sink instead of keeping it.</summary>
    private sealed class SinkResult(int engineId, ICallSink sink) : AsyncResult([engineId], default), IDispatchedCall
    {
        private protected override void DecodePart(int index, ReadOnlySpan<byte> data, in EngineReply reply) => sink.Completed(data, reply);

        private protected override bool Handles(int index, Exception exception)
        {
            sink.Failed(exception);
            return true;
        }
    }
}
