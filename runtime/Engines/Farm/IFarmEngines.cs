using Parallax.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>
/// What the task farm needs of a cluster, and all it needs: which engines are alive, a signal when that
/// changes, and a way to send one dispatched call to one engine and be told its outcome. The local
/// cluster implements it over its engine connections (<see cref="FarmEngines"/>, over the client's <see cref="IEngines"/>); another
/// backend (a standing cluster, Orleans) implements it once and reuses the whole scheduler.
/// </summary>
internal interface IFarmEngines
{
    /// <summary>Gets the ids of the engines alive now, ascending.</summary>
    IReadOnlyList<int> LiveEngineIds { get; }

    /// <summary>Gets the ids of every engine of the cluster, alive or not (a view of all engines may use any that comes back).</summary>
    IReadOnlyList<int> AllEngineIds { get; }

    /// <summary>Gets a task that completes at the next change of <see cref="LiveEngineIds"/>.</summary>
    Task Changed { get; }

    /// <summary>Gets whether engine <paramref name="engineId"/> is not alive now but is being started again, so work for it can wait.</summary>
    bool IsRestarting(int engineId);

    /// <summary>
    /// Sends <paramref name="call"/> to engine <paramref name="engineId"/>. The sink is told the outcome
    /// exactly once, possibly before this method returns, on a thread of the transport; a call refused
    /// before it went out is a failure told to the sink, never an exception here.
    /// </summary>
    /// <returns>The sent call, to cancel it.</returns>
    IDispatchedCall Dispatch(int engineId, EngineCall call, ICallSink sink);
}

/// <summary>A call sent to one engine.</summary>
internal interface IDispatchedCall
{
    /// <summary>
    /// Asks the engine to drop the call if it has not started it, or to cancel its
    /// <see cref="Engine.CancellationToken"/> if it runs; a call still running after the grace period is
    /// stopped by restarting its engine, and its sink fails with <see cref="EngineRestartedException"/>.
    /// </summary>
    void Cancel();
}

/// <summary>Where the transport reports one call's outcome.</summary>
internal interface ICallSink
{
    /// <summary>The engine answered with <paramref name="result"/>; runs on the transport's receive thread, so decoding here runs in parallel across engines.</summary>
    /// <param name="result">The serialized result.</param>
    /// <param name="reply">When the call ran and what it printed.</param>
    void Completed(ReadOnlySpan<byte> result, in EngineReply reply);

    /// <summary>The call failed: the code threw (<see cref="RemoteException"/>), was cancelled, or its engine died.</summary>
    void Failed(Exception exception);
}
