using Parallax.Engines.Farm;
using Parallax.Engines.Transport;

namespace Parallax;

/// <summary>
/// The connection to a cluster's engines, as ipyparallel's <c>Client</c>: its ids, and views on one
/// engine (<c>cl[0]</c>) or several (<c>cl[..]</c>, <c>cl[1..3]</c>, <c>cl[new[] { 0, 2 }]</c>). A
/// <see cref="Cluster"/> this program started has one (<see cref="Cluster.Client"/>); a standing cluster
/// that <c>parallax cluster start</c> runs is reached with <see cref="ConnectAsync"/>, by any number of
/// programs at once, each seeing the others' variables.
/// </summary>
public sealed class Client : IAsyncDisposable
{
    private readonly IEngines engines;
    private TaskFarm? farm;
    private readonly bool ownsConnection;

    /// <summary>A client of <paramref name="engines"/>: local processes a cluster started, or any other implementation of the seam.</summary>
    /// <param name="engines">The engines.</param>
    /// <param name="ownsConnection">Whether disposing this client lets go of <paramref name="engines"/> (a connected client); a cluster's client leaves that to the cluster.</param>
    internal Client(IEngines engines, bool ownsConnection = false)
    {
        this.engines = engines;
        this.ownsConnection = ownsConnection;
    }

    /// <summary>
    /// Connects to a standing cluster, started with <c>parallax cluster start</c> (ipyparallel's
    /// <c>Client()</c> after <c>ipcluster start</c>). The engines outlive this client: disposing it, or
    /// its process ending however it ends, leaves them running with their variables, and other clients
    /// may be connected at the same time. <c>parallax cluster stop</c> ends them; calls of a client
    /// still connected then fail with <see cref="EngineDiedException"/> saying the cluster was stopped.
    /// </summary>
    /// <param name="profile">
    /// The profile to connect to, <c>default</c> when <see langword="null"/> (the tool's
    /// <c>--profile</c>; its file is <c>~/.parallax/profile_NAME/connection.txt</c>, or under
    /// <c>$PARALLAX_HOME</c> when set), or the path of a profile's connection file (any value with a
    /// directory separator).
    /// </param>
    /// <param name="cancellationToken">Stops connecting.</param>
    /// <returns>The client, connected to every engine that is alive.</returns>
    /// <exception cref="InvalidOperationException">No cluster runs for the profile; the message names the command that starts it.</exception>
    /// <exception cref="ArgumentException"><paramref name="profile"/> is not a profile name (letters, digits, '-', '_', '.').</exception>
    /// <exception cref="NotSupportedException">The profile's cluster runs on a backend this program does not reference.</exception>
    public static async Task<Client> ConnectAsync(string? profile = null, CancellationToken cancellationToken = default) =>
        new(await EngineBackends.ConnectAsync(profile, cancellationToken).ConfigureAwait(false), ownsConnection: true);

    /// <summary>
    /// Lets go of the engines of a connected client (<see cref="ConnectAsync"/>): its calls still pending
    /// fail, and the engines go on running with their variables. A cluster's own client
    /// (<see cref="Cluster.Client"/>) is not changed: dispose the <see cref="Cluster"/> to stop its engines.
    /// </summary>
    /// <returns>A task that completes when the connections are closed.</returns>
    public ValueTask DisposeAsync() => ownsConnection && engines is IAsyncDisposable connection ? connection.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>Gets the ids of the engines that are connected and alive, ascending (ipyparallel's <c>ids</c>).</summary>
    public IReadOnlyList<int> Ids => engines.LiveIds;

    /// <summary>Gets a view on engine <paramref name="engineId"/>; its calls return the single value.</summary>
    /// <param name="engineId">An engine id, 0 to the cluster's engine count − 1.</param>
    /// <returns>The view.</returns>
    public EngineView this[int engineId] => new(this, CheckId(engineId));

    /// <summary>Gets a view on the engine at <paramref name="index"/> in <see cref="Ids"/>, the live engines (<c>cl[^1]</c> is the last).</summary>
    /// <param name="index">The position, from the start or the end.</param>
    /// <returns>The view.</returns>
    public EngineView this[Index index]
    {
        get
        {
            var ids = Ids;
            var offset = index.GetOffset(ids.Count);
            return (uint)offset < (uint)ids.Count
                ? new EngineView(this, ids[offset])
                : throw new ArgumentOutOfRangeException(nameof(index), index, $"{ids.Count} engines are alive (ids [{string.Join(", ", ids)}]); the position is outside them.");
        }
    }

    /// <summary>
    /// Gets a view on the engines in <paramref name="range"/> of <see cref="Ids"/>, the live engines when the
    /// view is made, as ipyparallel slices its <c>ids</c> (<c>cl[..]</c> is every live engine, <c>cl[1..3]</c> the second and third).
    /// </summary>
    /// <param name="range">The engines, as a range over the live ids; not empty.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentException">The range holds no engine (<c>cl[1..1]</c>, or no engine is alive).</exception>
    public DirectView this[Range range]
    {
        get
        {
            var ids = Ids;
            var (offset, length) = range.GetOffsetAndLength(ids.Count);
            return length > 0
                ? new DirectView(this, [.. ids.Skip(offset).Take(length)])
                : throw new ArgumentException($"The range {range} holds no engines of the {ids.Count} live ones (ids [{string.Join(", ", ids)}]): a view runs on at least one engine. Check the range's bounds, or skip the call when there is nothing to run.", nameof(range));
        }
    }

    /// <summary>
    /// Gets a task farm over every live engine, engines that are restarted or come back later included,
    /// as ipyparallel's <c>load_balanced_view()</c>.
    /// </summary>
    /// <returns>The view.</returns>
    public LoadBalancedView LoadBalancedView() => new(this, null);

    /// <summary>Gets a task farm over the listed engines; at any moment it uses those of them that are alive.</summary>
    /// <param name="engineIds">The engine ids; at least one.</param>
    /// <returns>The view.</returns>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is not one of the cluster's engines.</exception>
    public LoadBalancedView LoadBalancedView(IEnumerable<int> engineIds)
    {
        ArgumentNullException.ThrowIfNull(engineIds);
        int[] ids = [.. engineIds.Select(CheckId).Distinct()];
        return ids.Length > 0 ? new(this, ids) : throw new ArgumentException("The list of engine ids is empty, and a load-balanced view runs on no engines: pass at least one id, or use LoadBalancedView() for every engine.", nameof(engineIds));
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
        if (count > engines.EngineCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The cluster has {engines.EngineCount} engines; wait for at most that many.");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }

        while (true)
        {
            var signal = engines.Changed;
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

    /// <summary>Gets the engines this client talks to: the seam every request goes through.</summary>
    internal IEngines Engines => engines;

    /// <summary>Gets the task farm of this client's load-balanced views: one for all of them, so that concurrent maps share the engines fairly.</summary>
    internal TaskFarm Farm => LazyInitializer.EnsureInitialized(ref farm, () => new TaskFarm(new FarmEngines(this)));

    /// <summary>
    /// Sends <paramref name="request"/> to <paramref name="targets"/>; target i answers into <paramref name="result"/>
    /// as index i, and cancelling the result cancels the request (<see cref="AsyncResult.Cancel"/>). A request
    /// that fails before it is sent (the engines closed while a push was written, no room for a segment)
    /// throws, and its result (and trace) ends with the same exception.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The engines were closed (their cluster disposed).</exception>
    internal void Submit(EngineRequest request, IReadOnlyList<int> targets, AsyncResult result)
    {
        if (engines.IsClosed)
        {
            throw new ObjectDisposedException(engines.Owner);
        }

        result.Polling = engines.ReceivePolling;
        result.Trace(request.Kind, engines.ClusterId);
        ISentRequest sent;
        try
        {
            sent = engines.Send(request, targets, result);
        }
        catch (Exception ex)
        {
            result.FailAll(ex);
            throw;
        }

        result.Sent(sent);
    }

    /// <summary>Pushes named values, one set for every target or one per target (a scatter).</summary>
    internal AsyncResult Push(IReadOnlyList<int> targets, IReadOnlyList<NamedValue>[] perTarget, CancellationToken cancellationToken)
    {
        var request = new PushRequest(perTarget);
        var result = AsyncResult.ForAction(targets, cancellationToken);
        Submit(request, targets, result);
        return result;
    }

    private int CheckId(int engineId) => (uint)engineId < (uint)engines.EngineCount
        ? engineId
        : throw new ArgumentOutOfRangeException(nameof(engineId), engineId, $"This cluster's engine ids are 0 to {engines.EngineCount - 1}.");
}
