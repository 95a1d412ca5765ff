using MemoryPack;
using Parallax.Engines;

namespace Parallax;

/// <summary>
/// The connection to a cluster's engines, as ipyparallel's <c>Client</c>: its ids, and views on one
/// engine (<c>cl[0]</c>) or several (<c>cl[..]</c>, <c>cl[1..3]</c>, <c>cl[new[] { 0, 2 }]</c>).
/// </summary>
public sealed class Client
{
    private readonly Cluster cluster;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Client(Cluster cluster) => this.cluster = cluster;

    /// <summary>Gets the ids of the engines that are connected and alive, ascending (ipyparallel's <c>ids</c>).</summary>
    public IReadOnlyList<int> Ids => cluster.LiveEngineIds();

    /// <summary>Gets a view on engine <paramref name="engineId"/>; its calls return the single value.</summary>
    /// <param name="engineId">An engine id, 0 to the cluster's engine count − 1.</param>
    /// <returns>The view.</returns>
    public EngineView this[int engineId] => new(this, CheckId(engineId));

    /// <summary>Gets a view on the engine at <paramref name="index"/> among all the cluster's engines (<c>cl[^1]</c> is the last).</summary>
    /// <param name="index">The position, from the start or the end.</param>
    /// <returns>The view.</returns>
    public EngineView this[Index index] => this[index.GetOffset(cluster.EngineCount)];

    /// <summary>Gets a view on the engines in <paramref name="range"/> of all the cluster's engines (<c>cl[..]</c>, <c>cl[1..3]</c>).</summary>
    /// <param name="range">The engines, as a range over the ids.</param>
    /// <returns>The view.</returns>
    public DirectView this[Range range]
    {
        get
        {
            var (offset, length) = range.GetOffsetAndLength(cluster.EngineCount);
            return new DirectView(this, [.. Enumerable.Range(offset, length)]);
        }
    }

    /// <summary>Gets a view on the listed engines, in the given order.</summary>
    /// <param name="engineIds">The engine ids.</param>
    /// <returns>The view.</returns>
    public DirectView this[int[] engineIds] => this[(IEnumerable<int>)engineIds];

    /// <summary>Gets a view on the listed engines, in the given order.</summary>
    /// <param name="engineIds">The engine ids.</param>
    /// <returns>The view.</returns>
    public DirectView this[IEnumerable<int> engineIds]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(engineIds);
            return new DirectView(this, [.. engineIds.Select(CheckId)]);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> engines are connected and alive.</summary>
    /// <param name="count">How many engines to wait for; at most the cluster's engine count.</param>
    /// <param name="timeout">How long to wait; <see langword="null"/> waits without limit.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the engines are there.</returns>
    /// <exception cref="TimeoutException">Fewer engines were alive when <paramref name="timeout"/> passed.</exception>
    public async Task WaitForEnginesAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > cluster.EngineCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The cluster has {cluster.EngineCount} engines; wait for at most that many.");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }

        while (true)
        {
            var signal = Volatile.Read(ref changed).Task;
            if (Ids.Count >= count)
            {
                return;
            }

            try
            {
                await signal.WaitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Only {Ids.Count} of {count} engines were alive after {timeout}.");
            }
        }
    }

    internal Cluster Cluster => cluster;

    internal void EnginesChanged() => Interlocked.Exchange(ref changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// Sends one request with the same data to each target. Large data goes once into shared memory
    /// that every target maps; <paramref name="metaFor"/> builds the metadata that says where.
    /// </summary>
    internal void Send(AsyncResult result, IReadOnlyList<int> targets, FrameKind kind, Func<SharedRange?, byte[]> metaFor, ReadOnlyMemory<byte> sameData)
    {
        result.Trace(kind, cluster.Connection.ClusterId);
        if (sameData.Length >= cluster.Connection.SharedMemoryThreshold)
        {
            var segment = SharedSegment.Create(cluster.Connection.ClusterId, sameData.Length);
            sameData.Span.CopyTo(segment.Span);
            EngineTelemetry.SegmentBytes.Add(sameData.Length);
            var range = new SharedRange(segment.Path, 0, sameData.Length, segment.Sign(cluster.Connection.SegmentMac, 0, sameData.Length));
            result.ReleaseWhenDone(() =>
            {
                segment.Unlink();
                segment.Release();
            });
            var meta = metaFor(range);
            for (var i = 0; i < targets.Count; i++)
            {
                SendTo(targets[i], kind, meta, default, result, i);
            }

            return;
        }

        var inlineMeta = metaFor(null);
        for (var i = 0; i < targets.Count; i++)
        {
            SendTo(targets[i], kind, inlineMeta, sameData.Span, result, i);
        }
    }

    internal void SendTo(int engineId, FrameKind kind, ReadOnlySpan<byte> meta, ReadOnlySpan<byte> data, AsyncResult result, int index)
    {
        result.Polling = cluster.Connection.Polling;
        if (cluster.GetEngine(engineId) is { } engine)
        {
            engine.Send(kind, meta, data, result, index);
        }
        else
        {
            result.Fail(index, new EngineDiedException(engineId, "it is not running: the cluster was disposed or the engine is restarting"));
        }
    }

    /// <summary>
    /// Pushes named values, one set per target (a scatter) or the same set to all. When they are larger
    /// in total than the threshold they are written into ONE shared segment that every target maps,
    /// arrays of primitives serialized straight into it.
    /// </summary>
    internal AsyncResult Push(IReadOnlyList<int> targets, IReadOnlyList<(string Name, string TypeName, Payload Payload)>[] perTarget, CancellationToken cancellationToken)
    {
        var result = AsyncResult.ForAction(targets, cancellationToken);
        result.Trace(FrameKind.Push, cluster.Connection.ClusterId);
        var shared = perTarget.Length == 1 ? perTarget[0] : null;
        var all = (shared is not null ? [shared] : perTarget).SelectMany(v => v).ToArray();
        var total = all.Sum(v => v.Payload.SizeBound);
        if (total >= cluster.Connection.SharedMemoryThreshold)
        {
            var segment = cluster.PushSegments.Rent(total, targets);
            result.ReleaseWhenDone(() => cluster.PushSegments.PushFinished(segment));
            var offsets = new long[all.Length];
            var lengths = new long[all.Length];
            long at = 0;
            for (var i = 0; i < all.Length; i++)
            {
                offsets[i] = at;
                lengths[i] = all[i].Payload.WriteTo(segment, at);
                at += lengths[i];
            }

            EngineTelemetry.SegmentBytes.Add(at);
            EngineTelemetry.PushedBytes.Add(at);
            var tags = new byte[all.Length][];
            Parallel.For(0, all.Length, i => tags[i] = segment.Sign(cluster.Connection.SegmentMac, offsets[i], lengths[i]));
            var first = 0;
            for (var i = 0; i < targets.Count; i++)
            {
                var count = (shared ?? perTarget[i]).Count;
                var meta = new PushMeta(
                    [.. all.Skip(first).Take(count).Select(v => v.Name)],
                    [.. all.Skip(first).Take(count).Select(v => v.TypeName)],
                    offsets[first..(first + count)],
                    lengths[first..(first + count)],
                    segment.Path,
                    tags[first..(first + count)]);
                SendTo(targets[i], FrameKind.Push, MemoryPackSerializer.Serialize(meta), default, result, i);
                first = shared is null ? first + count : 0;
            }

            return result;
        }

        for (var i = 0; i < targets.Count; i++)
        {
            var values = shared ?? perTarget[i];
            var bytes = values.Select(v => v.Payload.ToBytes()).ToArray();
            var data = new byte[bytes.Sum(b => b.Length)];
            var offsets = new long[values.Count];
            var position = 0;
            for (var j = 0; j < values.Count; j++)
            {
                offsets[j] = position;
                bytes[j].Span.CopyTo(data.AsSpan(position));
                position += bytes[j].Length;
            }

            EngineTelemetry.PushedBytes.Add(data.Length);
            var meta = new PushMeta([.. values.Select(v => v.Name)], [.. values.Select(v => v.TypeName)], offsets, [.. bytes.Select(b => (long)b.Length)], null, null);
            SendTo(targets[i], FrameKind.Push, MemoryPackSerializer.Serialize(meta), data, result, i);
        }

        return result;
    }

    private int CheckId(int engineId) => (uint)engineId < (uint)cluster.EngineCount
        ? engineId
        : throw new ArgumentOutOfRangeException(nameof(engineId), engineId, $"This cluster's engine ids are 0 to {cluster.EngineCount - 1}.");
}
