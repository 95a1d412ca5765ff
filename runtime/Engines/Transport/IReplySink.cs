namespace Parallax.Engines.Transport;

/// <summary>What an engine said about one request besides its result: when it ran it, what it printed, and the exception its code threw.</summary>
/// <param name="Started">When the engine started the request (UTC).</param>
/// <param name="Completed">When it finished (UTC).</param>
/// <param name="Stdout">What the request's code wrote to <see cref="Console.Out"/>.</param>
/// <param name="Stderr">What it wrote to <see cref="Console.Error"/>.</param>
/// <param name="Error">The exception its code threw (a <c>RemoteException</c>), or null when it returned.</param>
internal readonly record struct EngineReply(DateTime Started, DateTime Completed, string Stdout, string Stderr, Exception? Error);

/// <summary>
/// Where a transport delivers the answers to one request sent to several targets: target
/// <c>index</c> (its position in the request's target list) answers once, through
/// <see cref="Answered"/> or <see cref="Failed"/>. The client's <c>AsyncResult</c> implements it; a
/// transport sees nothing else of the client, and the sink sees no frame or wire type.
/// </summary>
internal interface IReplySink
{
    /// <summary>
    /// Target <paramref name="index"/> answered. <paramref name="result"/> is its serialized result
    /// (empty when <see cref="EngineReply.Error"/> is set), readable during this call only: it may lie
    /// in shared memory that is handed back right after. Called on the transport's receive thread.
    /// </summary>
    void Answered(int index, in EngineReply reply, ReadOnlySpan<byte> result);

    /// <summary>Target <paramref name="index"/> gave no answer: it died, its answer could not be read, or the request never reached it.</summary>
    void Failed(int index, Exception exception);

    /// <summary>Runs <paramref name="release"/> once every target has answered or failed (at once if they have): the transport's resources for the request, such as a shared segment, go back.</summary>
    void ReleaseWhenDone(Action release);
}
