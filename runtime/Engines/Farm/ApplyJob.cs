using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>One load-balanced call: a job of one task, whose outcome goes to an <see cref="AsyncResult"/> of one target.</summary>
internal sealed class ApplyJob(AsyncResult result, EngineCall call, int[]? targets, int retries, TimeSpan? timeout)
    : FarmJob(1, targets, 1, retries, timeout)
{
    public override EngineCall Encode(int start, int count) => call;

    public override void Sent(Chunk chunk) => result.AssignEngine(0, chunk.EngineId);

    public override (int Start, int Count) Deliver(Chunk chunk, ReadOnlySpan<byte> data, in EngineReply reply)
    {
        result.Answered(0, reply, data);
        return default;
    }

    public override void Fail(int index, int engineId, Exception exception) => result.Fail(0, exception);

    public override void Drop(int start, int count, OperationCanceledException reason) => result.Fail(0, reason);

    public override void Finish()
    {
    }
}
