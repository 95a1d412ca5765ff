using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>A load-balanced map: task i applies the dispatched function to item i; chunks of items travel as one call each.</summary>
internal sealed class MapJob<TIn, TOut>(TIn[] items, string dispatchId, string assemblyPath, Func<TIn[], byte[]> encodeBlock, int[]? targets, int chunkSize, int retries, TimeSpan? timeout, IProgress<MapProgress>? progress)
    : FarmJob(items.Length, targets, chunkSize, retries, timeout)
{
    public MapResults<TOut> Results { get; } = new(items.Length, progress);

    public override EngineCall Encode(int start, int count) => new(dispatchId, encodeBlock(items.AsSpan(start, count).ToArray()), assemblyPath);

    public override (int Start, int Count) Deliver(Chunk chunk, ReadOnlySpan<byte> result, in EngineReply reply)
    {
        TOut[]? values = null;
        var read = MemoryPackSerializer.Deserialize(result, ref values);
        var outcome = MemoryPackSerializer.Deserialize<ChunkOutcome>(result[read..]);
        if (values is null || outcome is null || values.Length != chunk.Count || outcome.States.Length != chunk.Count)
        {
            throw new InvalidDataException($"Engine {chunk.EngineId} answered tasks {chunk.Start} to {chunk.Start + chunk.Count - 1} with {values?.Length ?? 0} values; is the client's assembly the one the engine loaded?");
        }

        var errors = 0;
        for (var k = 0; k < chunk.Count; k++)
        {
            var index = chunk.Start + k;
            switch (outcome.States[k])
            {
                case ChunkOutcome.Done:
                    Results.SetValue(index, values[k], chunk.EngineId);
                    break;
                case ChunkOutcome.Failed:
                    var error = outcome.Errors[errors++];
                    Results.SetFailure(index, new RemoteException(chunk.EngineId, error.Type, error.Message, error.StackTrace), chunk.EngineId);
                    break;
                case ChunkOutcome.Cancelled when chunk.IsTimedOut:
                    Results.SetFailure(index, new TaskTimeoutException(index, chunk.EngineId, Timeout!.Value), chunk.EngineId);
                    break;
                case ChunkOutcome.Cancelled:
                    Results.Drop(index, 1, new OperationCanceledException($"Task {index} stopped on engine {chunk.EngineId} when the map was cancelled."));
                    break;
                default:
                    return (index, chunk.Start + chunk.Count - index);
            }
        }

        return default;
    }

    public override void Fail(int index, int engineId, Exception exception) => Results.SetFailure(index, exception, engineId);

    public override void Drop(int start, int count, OperationCanceledException reason) => Results.Drop(start, count, reason);

    public override void Changed() => Results.Publish();

    public override void Finish() => Results.Finish(IsCancelRequested);
}
