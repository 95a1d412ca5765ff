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
    /// <param name="range">The engines, as a range over the ids; not empty.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentException">The range holds no engine (<c>cl[1..1]</c>).</exception>
    public DirectView this[Range range]
    {
        get
        {
            var (offset, length) = range.GetOffsetAndLength(cluster.EngineCount);
            return length > 0
                ? new DirectView(this, [.. Enumerable.Range(offset, length)])
                : throw new ArgumentException($"The range {range} holds no engines of the {cluster.EngineCount}: a view runs on at least one engine. Check the range's bounds, or skip the call when there is nothing to run.", nameof(range));
        }
    }

    /// <summary>
    /// Gets a view on the listed engines, in the given order. An engine listed twice is one target (its first
    /// place counts): two copies of a call on one engine would run one after the other on the same
    /// namespace, and a scatter would overwrite its own first block.
    /// </summary>
    /// <param name="engineIds">The engine ids; at least one.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is not one of the cluster's engines.</exception>
    public DirectView this[int[] engineIds] => this[(IEnumerable<int>)engineIds];

    /// <inheritdoc cref="this[int[]]"/>
    /// <param name="engineIds">The engine ids; at least one.</param>
    public DirectView this[IEnumerable<int> engineIds]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(engineIds);
            int[] targets = [.. engineIds.Select(CheckId).Distinct()];
            return targets.Length > 0
                ? new DirectView(this, targets)
                : throw new ArgumentException("The list of engine ids is empty, and a view runs on no engines: pass at least one id, or skip the call when there is nothing to run.", nameof(engineIds));
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
        ObjectDisposedException.ThrowIf(cluster.IsDisposed, cluster);
        result.Trace(kind, cluster.Connection.ClusterId);
        if (sameData.Length >= cluster.Connection.SharedMemoryThreshold)
        {
            var segment = SharedSegment.Create(cluster.Connection.SegmentFolder, "call", sameData.Length);
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
        else if (cluster.IsDisposed)
        {
            result.Fail(index, new ObjectDisposedException(nameof(Cluster), $"The cluster was disposed before the request reached engine {engineId}."));
        }
        else
        {
            result.Fail(index, new EngineDiedException(engineId, "it is not running: it is restarting"));
        }
    }

    /// <summary>
    /// Pushes named values, one set per target (a scatter) or the same set to all. When they are larger
    /// in total than the threshold they are written into ONE shared segment that every target maps,
    /// arrays of primitives serialized straight into it.
    /// </summary>
    internal AsyncResult Push(IReadOnlyList<int> targets, IReadOnlyList<(string Name, string TypeName, Payload Payload)>[] perTarget, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(cluster.IsDisposed, cluster);
        var shared = perTarget.Length == 1 ? perTarget[0] : null;
        var all = (shared is not null ? [shared] : perTarget).SelectMany(v => v).ToArray();
        var total = all.Sum(v => v.Payload.SizeBound);
        if (total > Payload.MaxSize)
        {
            throw new NotSupportedException(
                $"The values pushed together ({string.Join(", ", all.Select(v => $"{v.Name}: {v.Payload.SizeBound} bytes"))}) add up to {total} bytes, more than the {Payload.MaxSize} bytes one push carries. " +
                "Push them one at a time, or Scatter large arrays over the engines.");
        }

        var result = AsyncResult.ForAction(targets, cancellationToken);
        result.Trace(FrameKind.Push, cluster.Connection.ClusterId);
        if (total >= cluster.Connection.SharedMemoryThreshold)
        {
            var segment = cluster.PushSegments.Rent(total, targets);
            var offsets = new long[all.Length];
            var lengths = new long[all.Length];
            var tags = new byte[all.Length][];
            try
            {
                long at = 0;
                for (var i = 0; i < all.Length; i++)
                {
                    offsets[i] = at;
                    lengths[i] = all[i].Payload.WriteTo(segment, at);
                    at += lengths[i];
                }

                Parallel.For(0, all.Length, i => tags[i] = segment.Sign(cluster.Connection.SegmentMac, offsets[i], lengths[i]));

                // Disposed while this thread wrote: the engines are gone, and nothing may go out.
                ObjectDisposedException.ThrowIf(cluster.IsDisposed, cluster);
            }
            catch (Exception ex)
            {
                cluster.PushSegments.PushFinished(segment);
                result.FailAll(ex); // nothing was sent: the result (and its trace) ends with the exception the caller gets
                throw;
            }

            result.ReleaseWhenDone(() => cluster.PushSegments.PushFinished(segment));
            EngineTelemetry.SegmentBytes.Add(lengths.Sum());
            EngineTelemetry.PushedBytes.Add(lengths.Sum());
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
