using System.Globalization;
using StackExchange.Redis;

namespace Parallax.Engines.Silos;

/// <summary>
/// Engine ids claimed in the cluster's Redis, so that silos started on several machines
/// (<c>parallax silo start</c>) number their engines 0..N−1 without two of them taking one id. A claim
/// is a key per id, taken with SET NX and a lease (<see cref="Lease"/>) that the claiming process
/// renews while it lives and releases when it stops; a process killed outright loses its ids when the
/// lease lapses. Without <c>--first-id</c> a process takes the lowest free ids, so holes left by a
/// machine that went away are filled by the next one; with it, exactly the ids asked, or nothing.
/// The membership table itself is no place for this: a silo appears there only once it is joining,
/// too late to stop two machines from choosing the same id at the same moment.
/// </summary>
internal sealed class EngineClaims : IAsyncDisposable
{
    /// <summary>How long a claim lives without its owner renewing it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    /// <summary>The highest id a process looks at for a free one: far more engines than one cluster has.</summary>
    private const int MaxEngineId = 4095;

    private readonly ConnectionMultiplexer redis;
    private readonly string cluster;
    private readonly string owner;
    private readonly CancellationTokenSource stop = new();
    private Task renewing = Task.CompletedTask;

    private EngineClaims(ConnectionMultiplexer redis, string cluster, int[] ids)
    {
        this.redis = redis;
        this.cluster = cluster;
        Ids = ids;
        owner = $"{Environment.MachineName} pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {Guid.NewGuid():N}";
    }

    /// <summary>Gets the ids this process holds, in increasing order.</summary>
    public int[] Ids { get; private set; }

    /// <summary>Claims <paramref name="count"/> engine ids of <paramref name="cluster"/>: the lowest free ones, or <paramref name="firstId"/> and the ones after it.</summary>
    /// <param name="membership">The cluster's Redis (<see cref="Membership"/>).</param>
    /// <param name="cluster">The cluster's name.</param>
    /// <param name="count">How many ids.</param>
    /// <param name="firstId">The first of the ids to take, or null for the lowest free ones.</param>
    /// <param name="lost">Told when a renewal finds a claim taken by another process (its lease lapsed while this one could not reach Redis): that engine's silo must stop.</param>
    /// <param name="cancellationToken">Stops claiming.</param>
    /// <exception cref="InvalidOperationException">An id asked for is held by another process.</exception>
    /// <exception cref="RedisConnectionException">Redis cannot be reached or refuses the credentials.</exception>
    public static async Task<EngineClaims> TakeAsync(string membership, string cluster, int count, int? firstId, Action<int> lost, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var options = Membership.RedisOptions(membership);
        options.AbortOnConnectFail = true;
        var redis = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(cancellationToken).ConfigureAwait(false);
        var claims = new EngineClaims(redis, cluster, []);
        try
        {
            claims.Ids = await claims.ClaimAsync(count, firstId).ConfigureAwait(false);
        }
        catch
        {
            await claims.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        claims.renewing = claims.RenewAsync(lost);
        return claims;
    }

    /// <summary>Stops renewing and releases every claim (only those still this process's).</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            var db = redis.GetDatabase();
            await Task.WhenAll(Ids.Select(id => db.LockReleaseAsync(Key(id), owner))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis is gone: the claims lapse with their lease.
        }

        await redis.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
    }

    private RedisKey Key(int id) => $"parallax/{SiloHost.ServiceId}/{cluster}/engine/{id.ToString(CultureInfo.InvariantCulture)}";

    private async Task<int[]> ClaimAsync(int count, int? firstId)
    {
        var db = redis.GetDatabase();
        var taken = new List<int>(count);
        try
        {
            if (firstId is { } first)
            {
                for (var id = first; id < first + count; id++)
                {
                    if (!await db.LockTakeAsync(Key(id), owner, Lease).ConfigureAwait(false))
                    {
                        var holder = await db.StringGetAsync(Key(id)).ConfigureAwait(false);
                        throw new InvalidOperationException(
                            $"Engine {id} of cluster '{cluster}' is held by {(holder.IsNull ? "another process" : holder.ToString())}. Start with another --first-id, or without it to take the lowest free ids; " +
                            $"a claim of a process killed outright lapses {Lease.TotalSeconds:F0} s after it died.");
                    }

                    taken.Add(id);
                }
            }
            else
            {
                for (var id = 0; taken.Count < count; id++)
                {
                    if (id > MaxEngineId)
                    {
                        throw new InvalidOperationException($"Cluster '{cluster}' has no free engine id up to {MaxEngineId}.");
                    }

                    if (await db.LockTakeAsync(Key(id), owner, Lease).ConfigureAwait(false))
                    {
                        taken.Add(id);
                    }
                }
            }
        }
        catch
        {
            await Task.WhenAll(taken.Select(id => db.LockReleaseAsync(Key(id), owner))).ConfigureAwait(false);
            throw;
        }

        return [.. taken];
    }

    private async Task RenewAsync(Action<int> lost)
    {
        var db = redis.GetDatabase();
        using var timer = new PeriodicTimer(Lease / 5);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                await RenewOnceAsync(db, lost).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewOnceAsync(IDatabase db, Action<int> lost)
    {
        foreach (var id in Ids)
        {
            try
            {
                // Extended while ours; taken again when it lapsed and nobody took it meanwhile (Redis was out of reach for a lease).
                if (!await db.LockExtendAsync(Key(id), owner, Lease).ConfigureAwait(false) &&
                    !await db.LockTakeAsync(Key(id), owner, Lease).ConfigureAwait(false))
                {
                    lost(id);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Redis unreachable for now: the next tick tries again, well inside the lease.
            }
        }
    }
}
