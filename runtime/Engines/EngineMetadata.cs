namespace Parallax;

/// <summary>When one engine received, ran and finished its part of a call (ipyparallel's <c>AsyncResult.metadata</c>).</summary>
/// <param name="EngineId">The engine.</param>
/// <param name="Submitted">When the client sent the call (UTC).</param>
/// <param name="Started">When the engine started running it (UTC), or <see langword="null"/> until it answered.</param>
/// <param name="Completed">When the engine finished it (UTC), or <see langword="null"/> until it answered.</param>
public sealed record EngineMetadata(int EngineId, DateTime Submitted, DateTime? Started, DateTime? Completed);
