using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>What a client needs to reach a cluster of silos on this machine: its name, gateway ports and credentials.</summary>
/// <param name="ClusterId">The cluster's name (Orleans' cluster id).</param>
/// <param name="GatewayPorts">The gateway port of each silo, on loopback; empty with <paramref name="Membership"/>, whose table lists the gateways.</param>
/// <param name="CredentialsPath">The cluster's credentials file (<see cref="ClusterCredentials"/>).</param>
/// <param name="EngineCount">How many engines the cluster has, ids 0 to this − 1; 0 when a client finds out as it connects (silos started with <c>parallax silo start</c>).</param>
/// <param name="Membership">Where the membership table lives (<see cref="Silos.Membership"/>: <c>redis://host:port</c>); null for engine 0's silo, whose gateways are then <paramref name="GatewayPorts"/>.</param>
internal sealed record SiloClusterInfo(string ClusterId, int[] GatewayPorts, string CredentialsPath, int EngineCount, string? Membership = null);

/// <summary>
/// Engines on Orleans silos, as the client API sees them (<see cref="IEngines"/>): one more
/// implementation of the seam beside local engine processes. Each request becomes calls to the
/// target engines' grains, data in chunks of at most <see cref="Transfers.ChunkBytes"/>, a scatter
/// sending each engine only its block. Requests to one engine run in the order they were sent. The
/// client watches the cluster's membership: when an engine's silo is declared dead, its requests fail
/// at once with <see cref="EngineDiedException"/> (Orleans alone would let them wait for its response
/// timeout), and when a silo of that name joins again the engine is back, with an empty namespace.
/// </summary>
internal sealed class OrleansEngines : IEngines, IAsyncDisposable
{
    /// <summary>
    /// How long a call may run before Orleans gives up on it: in effect never, since no bound on user
    /// code's time is right for every program. A call ends when it answers, when its engine's silo is
    /// found dead (the watch or membership tells within seconds), or when its engine, asked every
    /// <see cref="DefaultCallCheckPeriod"/>, twice in a row has no record of it or has answered it
    /// already: its request or its answer was lost on the way (<see cref="RemoteEngine.CheckCallsAsync"/>).
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.Parse(CallTimeoutText, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><see cref="CallTimeout"/> as the grain interface's [ResponseTimeout] reads it; Orleans' other calls keep its default.</summary>
    public const string CallTimeoutText = "7.00:00:00";

    /// <summary>How many chunks of one transfer are in flight at once.</summary>
    private const int Window = 4;

    /// <summary>
    /// How many times a request is sent when no connection to a gateway could be opened for it. Ten
    /// seconds' worth: after a silo dies, the client keeps offering its gateway until the gateway list
    /// drops it (3 tries were too few under load with Redis membership); an engine that is itself dead
    /// ends the tries sooner, through its life token.
    /// </summary>
    private const int SendAttempts = 10;

    /// <summary>How long before sending again: about when Orleans tries a failed connection again.</summary>
    private static readonly TimeSpan SendRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a look at membership, or an engine's hello, may take before the next try.</summary>
    private static readonly TimeSpan LookTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the calls that have waited this long for their answer are checked with their engines.
    /// A call is failed as lost after two checks in a row find it unknown to its engine (or answered
    /// there), so between 2 and 3 periods after it was sent: long enough that a message merely slowed
    /// by a loaded machine is never taken for lost.
    /// </summary>
    public static readonly TimeSpan DefaultCallCheckPeriod = TimeSpan.FromSeconds(10);

    private readonly IHost host;
    private readonly IClusterClient orleans;
    private readonly Lock growing = new();
    private readonly TimeSpan callCheckPeriod;
    private RemoteEngine[] engines;
    private readonly CancellationTokenSource closing = new();
    private readonly ILogger logger;
    private readonly TimeSpan watchPeriod;
    private readonly ClusterCredentials? credentials;
    private readonly bool useDataPorts;

    /// <summary>Large buffers kept from transfer to transfer: pushes are serialized into them, pulls downloaded into them.</summary>
    private readonly BufferPool buffers = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task watching = Task.CompletedTask;
    private Task checking = Task.CompletedTask;
    private int closed;

    /// <summary>Over a started Orleans client: grain references need the cluster's manifest, which it fetches as it connects.</summary>
    private OrleansEngines(IHost host, SiloClusterInfo cluster, TimeSpan watchPeriod, TimeSpan callCheckPeriod, ILogger logger, ClusterCredentials? credentials, bool useDataPorts)
    {
        this.callCheckPeriod = callCheckPeriod;
        this.host = host;
        this.credentials = credentials;
        this.useDataPorts = useDataPorts;
        this.watchPeriod = watchPeriod;
        this.logger = logger;
        orleans = host.Services.GetRequiredService<IClusterClient>();
        ClusterId = cluster.ClusterId;
        engines = [.. Enumerable.Range(0, cluster.EngineCount).Select(id => new RemoteEngine(id, orleans.GetGrain<IEngineGrain>(id)))];
    }

    /// <summary>Gets how many engines there are: grows when a silo of a higher engine id joins (<see cref="LookAsync"/>).</summary>
    public int EngineCount => Volatile.Read(ref engines).Length;

    public IReadOnlyList<int> LiveIds => [.. Volatile.Read(ref engines).Where(e => e.IsAlive).Select(e => e.EngineId)];

    public Task Changed => Volatile.Read(ref changed).Task;

    public bool IsClosed => Volatile.Read(ref closed) != 0;

    public string Owner => "Parallax Orleans connection";

    public string ClusterId { get; }

    public TimeSpan ReceivePolling => TimeSpan.Zero;

    /// <summary>Gets how many times engines came back under their ids since this connection was made (a restarted silo).</summary>
    public int Rejoined => Volatile.Read(ref engines).Sum(e => e.Rejoined);

    /// <summary>Gets where engine <paramref name="engineId"/>'s data port listens, or null while it has none.</summary>
    public System.Net.IPEndPoint? DataEndpoint(int engineId) => Volatile.Read(ref engines)[engineId].Data?.Endpoint;

    /// <summary>Gets engine <paramref name="engineId"/>'s grain, for tests that call it as a client would.</summary>
    internal IEngineGrain GrainOf(int engineId) => Volatile.Read(ref engines)[engineId].Grain;

    public IEngineConnection? Connection(int engineId) => Volatile.Read(ref engines) is var all && (uint)engineId < (uint)all.Length ? all[engineId] : null;

    /// <summary>
    /// Connects to a cluster's gateways with its credentials, looks at its membership, greets every
    /// engine it finds, and waits up to <paramref name="timeout"/> for all of them.
    /// </summary>
    /// <param name="cluster">Where the cluster's gateways are, and its credentials.</param>
    /// <param name="timeout">How long to wait for the gateways and for every engine.</param>
    /// <param name="logger">Told of engines that die and rejoin.</param>
    /// <param name="watchPeriod">How often membership is looked at (200 ms when null).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <param name="useDataPorts">Whether bulk data goes through the silos' data ports (<see cref="DataPort"/>); without, it travels in Orleans messages of <see cref="Transfers.ChunkBytes"/> each.</param>
    /// <param name="callCheckPeriod">How often calls waiting for their answer are checked with their engines (<see cref="DefaultCallCheckPeriod"/> when null).</param>
    /// <param name="configureClient">Adds to the Orleans client's configuration (tests: a filter that loses a message).</param>
    /// <exception cref="TimeoutException">Not every engine answered within <paramref name="timeout"/>.</exception>
    public static async Task<OrleansEngines> ConnectAsync(SiloClusterInfo cluster, TimeSpan timeout, ILogger? logger = null, TimeSpan? watchPeriod = null, bool useDataPorts = true, TimeSpan? callCheckPeriod = null, Action<IClientBuilder>? configureClient = null, CancellationToken cancellationToken = default)
    {
        var credentials = ClusterCredentials.IsInsecure(cluster.CredentialsPath) ? null : ClusterCredentials.Read(cluster.CredentialsPath);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            if (cluster.Membership is { } membership)
            {
                // The gateways are whichever silos the table lists as active, on any machine.
                client.UseRedisClustering(o => o.ConfigurationOptions = Membership.RedisOptions(membership));
                client.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, SiloHost.ServiceId));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPorts, SiloHost.ServiceId, cluster.ClusterId);
            }

            if (credentials is not null)
            {
                client.UseTls(credentials.Certificate, credentials.Configure);
            }

            configureClient?.Invoke(client);
        });
        var host = builder.Build();
        using (var starting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            starting.CancelAfter(timeout);
            try
            {
                await host.StartAsync(starting.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                host.Dispose();
                throw ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                    ? new TimeoutException($"The gateways of cluster '{cluster.ClusterId}' (ports {string.Join(", ", cluster.GatewayPorts)}) did not let this client in within {timeout}: are its silos running, and is '{cluster.CredentialsPath}' that cluster's credentials file?", ex)
                    : ex;
            }
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        if (cluster.EngineCount == 0)
        {
            try
            {
                cluster = cluster with { EngineCount = await CountEnginesAsync(host.Services.GetRequiredService<IClusterClient>(), limit.Token).ConfigureAwait(false) };
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                throw new TimeoutException($"No engine's silo of cluster '{cluster.ClusterId}' was active within {timeout}: start them with `parallax silo start` (membership {Membership.Redacted(cluster.Membership ?? "none")}).");
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }

        var engines = new OrleansEngines(host, cluster, watchPeriod ?? TimeSpan.FromMilliseconds(200), callCheckPeriod ?? DefaultCallCheckPeriod, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, credentials, useDataPorts);
        try
        {
            while (engines.LiveIds.Count < engines.EngineCount)
            {
                try
                {
                    await engines.LookAsync(limit.Token).ConfigureAwait(false);
                    if (engines.LiveIds.Count < engines.EngineCount)
                    {
                        await Task.Delay(engines.watchPeriod, limit.Token).ConfigureAwait(false);
                    }
                }
                catch (TimeoutException) when (!limit.IsCancellationRequested)
                {
                    // One look outlasted LookTimeout (a loaded machine, a silo still joining): look again until the connect's own limit.
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Only engines [{string.Join(", ", engines.LiveIds)}] of {engines.EngineCount} answered within {timeout}: are the silos of cluster '{cluster.ClusterId}' running (parallax cluster list)?");
                }
            }

            engines.watching = engines.WatchAsync();
            engines.checking = engines.CheckCallsAsync();
            return engines;
        }
        catch
        {
            await engines.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// How many engines a cluster whose silos were started on their own machines (<c>parallax silo start</c>)
    /// has now: one more than the highest engine id among its active silos, the first time one is active.
    /// Their ids were claimed lowest-first (<see cref="EngineClaims"/>), so they run from 0 without holes
    /// unless a machine went away; a missing id then is an engine that is down, as after a crash.
    /// </summary>
    private static async Task<int> CountEnginesAsync(IClusterClient orleans, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var hosts = await orleans.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(LookTimeout, cancellationToken).ConfigureAwait(false);
                if (hosts.Select(h => EnginePlacement.EngineIdOf(h.SiloName)).Max() is { } highest)
                {
                    return highest + 1;
                }
            }
            catch (TimeoutException)
            {
                // A loaded machine, a silo still joining: look again until the connect's own limit.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <remarks>
    /// A call (apply, execute) can be stopped: one still waiting for its turn on the client fails at
    /// once and never reaches its engine; a running one gets an interleaved <see cref="IEngineGrain.Cancel"/>,
    /// which cancels its <c>Engine.CancellationToken</c> on the silo, and answers when the code stops.
    /// Code that ignores the token runs to its end: a silo is not restarted to stop it.
    /// </remarks>
    public ISentRequest Send(EngineRequest request, IReadOnlyList<int> targets, IReplySink sink)
    {
        ObjectDisposedException.ThrowIf(IsClosed, Owner);
        switch (request)
        {
            case ApplyRequest apply:
                var calls = new SentCalls(targets.Count);
                for (var i = 0; i < targets.Count; i++)
                {
                    calls.Sent(i, Start(targets[i], i, sink, (engine, call) => ApplyAsync(engine, apply, call)));
                }

                return calls;
            case PushRequest push:
                SendPush(push, targets, sink);
                break;
            case PullRequest pull:
                for (var i = 0; i < targets.Count; i++)
                {
                    Start(targets[i], i, sink, (engine, call) => engine.InOrder(() => engine.Grain.Pull(pull.Name, pull.ExpectedType, call.Id, call.Token), call));
                }

                break;
            case ExecuteRequest execute:
                var meta = MemoryPack.MemoryPackSerializer.Serialize(execute.Meta);
                var steps = new SentCalls(targets.Count);
                for (var i = 0; i < targets.Count; i++)
                {
                    steps.Sent(i, Start(targets[i], i, sink, (engine, call) => engine.InOrder(() => engine.Grain.Execute(meta, call.Id, call.Token), call)));
                }

                return steps;
            case PingRequest:
                for (var i = 0; i < targets.Count; i++)
                {
                    Start(targets[i], i, sink, (engine, call) => engine.InOrder(() => engine.Grain.Ping(call.Id, call.Token), call));
                }

                break;
            default:
                throw new NotSupportedException($"Engines on silos have no encoding for {request.Kind} requests.");
        }

        return Unstoppable.Instance;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        await closing.CancelAsync().ConfigureAwait(false);
        foreach (var engine in Volatile.Read(ref engines))
        {
            engine.Died("the connection to its cluster was closed", expected: true, Signal);
        }

        await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await checking.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
        closing.Dispose();
    }

    /// <summary>Values, one set for every target or one per target: each engine gets only its own set, in chunks when large.</summary>
    private void SendPush(PushRequest push, IReadOnlyList<int> targets, IReplySink sink)
    {
        if (!push.IsSame && push.PerTarget.Length != targets.Count)
        {
            throw new ArgumentException($"A push with one set of values per target has {push.PerTarget.Length} sets for {targets.Count} targets.", nameof(push));
        }

        // Serialized once for every target that stores the same set; each target holds the buffer until its push is over.
        var same = push.IsSame ? Stage(push.PerTarget[0]) : default;
        try
        {
            for (var i = 0; i < targets.Count; i++)
            {
                var values = push.IsSame ? push.PerTarget[0] : push.PerTarget[i];
                var (parts, buffer) = push.IsSame ? same : Stage(values);
                EngineTelemetry.PushedBytes.Add(parts.Sum(p => (long)p.Length));
                buffer?.AddReference();
                if (Start(targets[i], i, sink, (engine, call) => PushAsync(engine, values, parts, buffer, call)) is null)
                {
                    buffer?.Release(); // the engine is down: its push never starts
                }

                if (!push.IsSame)
                {
                    buffer?.Release();
                }
            }
        }
        finally
        {
            same.Buffer?.Release();
        }
    }

    /// <summary>
    /// A set of values serialized one after the other: when large, into a kept buffer (<see cref="buffers"/>),
    /// so that a loop of pushes writes into warm pages rather than new arrays each time; the caller
    /// releases it. Small sets are serialized each on its own.
    /// </summary>
    private (ReadOnlyMemory<byte>[] Parts, SharedSegment? Buffer) Stage(IReadOnlyList<NamedValue> values)
    {
        var bound = values.Sum(v => v.Payload.SizeBound);
        if (bound <= Transfers.InlineBytes || bound > Payload.MaxSize)
        {
            return ([.. values.Select(v => v.Payload.ToBytes())], null);
        }

        var buffer = buffers.Rent((int)bound);
        try
        {
            var parts = new ReadOnlyMemory<byte>[values.Count];
            long at = 0;
            for (var i = 0; i < parts.Length; i++)
            {
                var written = values[i].Payload.WriteTo(buffer, at);
                parts[i] = buffer.Memory.Slice((int)at, (int)written);
                at += written;
            }

            return (parts, buffer);
        }
        catch
        {
            buffer.Release();
            throw;
        }
    }

    private static async Task<GrainReply> ApplyAsync(RemoteEngine engine, ApplyRequest apply, PendingCall call)
    {
        var token = call.Token;
        if (apply.Arguments.Length <= Transfers.InlineBytes)
        {
            return await engine.InOrder(() => engine.Grain.Apply(apply.DispatchId, apply.AssemblyPath, apply.AssemblyMvid, apply.Arguments, Guid.Empty, call.Id, token), call).ConfigureAwait(false);
        }

        var upload = await UploadAsync(engine, [apply.Arguments], token).ConfigureAwait(false);
        try
        {
            return await engine.InOrder(() => engine.Grain.Apply(apply.DispatchId, apply.AssemblyPath, apply.AssemblyMvid, default, upload, call.Id, token), call).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (call.IsCancelledBeforeSent)
        {
            // Cancelled while waiting for its turn: the engine never takes the arguments it was sent.
            _ = engine.Grain.Drop(upload);
            throw;
        }
    }

    /// <summary>One target's push; releases <paramref name="buffer"/> (where <paramref name="parts"/> lie, if anywhere) once over.</summary>
    private static async Task<GrainReply> PushAsync(RemoteEngine engine, IReadOnlyList<NamedValue> values, ReadOnlyMemory<byte>[] parts, SharedSegment? buffer, PendingCall call)
    {
        try
        {
            return await PushAsync(engine, values, parts, call).ConfigureAwait(false);
        }
        finally
        {
            buffer?.Release();
        }
    }

    private static async Task<GrainReply> PushAsync(RemoteEngine engine, IReadOnlyList<NamedValue> values, ReadOnlyMemory<byte>[] parts, PendingCall call)
    {
        var token = call.Token;
        string[] names = [.. values.Select(v => v.Name)];
        string[] types = [.. values.Select(v => v.TypeName)];
        long[] lengths = [.. parts.Select(p => (long)p.Length)];
        var total = lengths.Sum();
        if (total <= Transfers.InlineBytes)
        {
            var data = new byte[total];
            var at = 0;
            foreach (var part in parts)
            {
                part.Span.CopyTo(data.AsSpan(at));
                at += part.Length;
            }

            return await engine.InOrder(() => engine.Grain.Push(names, types, lengths, data, Guid.Empty, call.Id, token), call).ConfigureAwait(false);
        }

        // The data streams in while requests before this one still run; the push itself keeps its place in line.
        var upload = await UploadAsync(engine, parts, token).ConfigureAwait(false);
        return await engine.InOrder(() => engine.Grain.Push(names, types, lengths, default, upload, call.Id, token), call).ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="parts"/>, one after the other, as one upload: through the engine's data port, or else in chunks, a few at a time; returns its id.</summary>
    private static async Task<Guid> UploadAsync(RemoteEngine engine, IReadOnlyList<ReadOnlyMemory<byte>> parts, CancellationToken token)
    {
        if (engine.Data is { } data)
        {
            return await data.UploadAsync(parts, token).ConfigureAwait(false);
        }

        var grain = engine.Grain;
        var id = Guid.NewGuid();
        var total = parts.Sum(p => (long)p.Length);
        var inFlight = new List<Task>(Window);
        long at = 0;
        foreach (var part in parts)
        {
            for (var offset = 0; offset < part.Length; offset += Transfers.ChunkBytes)
            {
                if (inFlight.Count == Window)
                {
                    var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(done);
                    await done.ConfigureAwait(false);
                }

                inFlight.Add(grain.Upload(id, total, at + offset, part.Slice(offset, Math.Min(Transfers.ChunkBytes, part.Length - offset)), token));
            }

            at += part.Length;
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        return id;
    }

    /// <summary>
    /// Reads a parked result (through the data port, or in chunks, a few at a time) into one buffer, and
    /// lets the engine forget it. The buffer is a kept one (<see cref="buffers"/>; the caller releases it
    /// once the result is read): a loop of large pulls reuses warm pages instead of faulting in fresh ones.
    /// </summary>
    private async Task<SharedSegment> DownloadAsync(RemoteEngine engine, GrainReply reply, CancellationToken token)
    {
        var grain = engine.Grain;
        var buffer = buffers.Rent(checked((int)reply.Length));
        if (engine.Data is { } data)
        {
            try
            {
                await data.DownloadAsync(reply.Parked, buffer.Memory[..(int)reply.Length], token).ConfigureAwait(false);
            }
            catch
            {
                buffer.Release();
                throw;
            }

            _ = grain.Drop(reply.Parked);
            return buffer;
        }

        var inFlight = new List<Task>(Window);
        for (long offset = 0; offset < reply.Length; offset += Transfers.ChunkBytes)
        {
            if (inFlight.Count == Window)
            {
                var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                inFlight.Remove(done);
                await done.ConfigureAwait(false);
            }

            var at = offset;
            var length = (int)Math.Min(Transfers.ChunkBytes, reply.Length - offset);
            inFlight.Add(CopyAsync(grain.Download(reply.Parked, at, length, token), buffer, at));
        }

        try
        {
            await Task.WhenAll(inFlight).ConfigureAwait(false);
        }
        catch
        {
            buffer.Release();
            throw;
        }

        _ = grain.Drop(reply.Parked);
        return buffer;

        static async Task CopyAsync(Task<ReadOnlyMemory<byte>> chunk, SharedSegment buffer, long at) =>
            (await chunk.ConfigureAwait(false)).Span.CopyTo(buffer.Span[(int)at..]);
    }

    /// <summary>Starts one target's part of a request; its answer or failure goes to <paramref name="sink"/> as <paramref name="index"/>, once. Returns it, or null when the engine is down (the sink was told).</summary>
    private PendingCall? Start(int engineId, int index, IReplySink sink, Func<RemoteEngine, PendingCall, Task<GrainReply>> call)
    {
        var engine = Volatile.Read(ref engines)[engineId];
        if (engine.Track(sink, index) is not { } pending)
        {
            sink.Failed(index, IsClosed
                ? new ObjectDisposedException(Owner, $"The {Owner} was closed before the request reached engine {engineId}.")
                : new EngineDiedException(engineId, $"it is not running: {engine.Death ?? "its silo has not joined the cluster"}; start its silo again and it rejoins under the same id"));
            return null;
        }

        _ = RunAsync(engine, pending, call);
        return pending;
    }

    private async Task RunAsync(RemoteEngine engine, PendingCall pending, Func<RemoteEngine, PendingCall, Task<GrainReply>> call)
    {
        SharedSegment? rented = null;
        try
        {
            // The call always runs (a push releases its buffer there); its token is read after, inside: a call failed at once (its engine died) has let go of it.
            var reply = await call(engine, pending).ConfigureAwait(false);
            var token = pending.Token;
            var result = reply.Inline;
            if (reply.Parked != Guid.Empty)
            {
                rented = await DownloadAsync(engine, reply, token).ConfigureAwait(false);
                result = rented.Memory[..(int)reply.Length];
            }

            EngineTelemetry.ReceivedBytes.Add(result.Length);
            var answer = new EngineReply(
                new DateTime(reply.StartedTicks, DateTimeKind.Utc),
                new DateTime(reply.CompletedTicks, DateTimeKind.Utc),
                reply.Stdout,
                reply.Stderr,
                reply.ErrorType is { } type ? new RemoteException(engine.EngineId, type, reply.ErrorMessage ?? "", reply.ErrorStack ?? "") : null);
            pending.Answer(answer, result.Span);
        }
        catch (Exception ex)
        {
            pending.Fail(engine.Explain(ex));
            if (ex is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException)
            {
                // Membership may not have declared the silo dead yet; a look now rather than at the next tick.
                _ = LookSoonAsync();
            }
        }
        finally
        {
            rented?.Release();
        }
    }

    private async Task WatchAsync()
    {
        while (!closing.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(watchPeriod, closing.Token).ConfigureAwait(false);
                await LookAsync(closing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A gateway that just died, a look that timed out: the next tick tries another.
                logger.LogDebug(ex, "A look at the membership of cluster {Cluster} failed", ClusterId);
            }
        }
    }

    /// <summary>Every <see cref="callCheckPeriod"/>, asks each live engine about the calls that have waited that long for their answer.</summary>
    private async Task CheckCallsAsync()
    {
        while (!closing.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(callCheckPeriod, closing.Token).ConfigureAwait(false);
                await Task.WhenAll(Volatile.Read(ref engines).Select(e => e.CheckCallsAsync(callCheckPeriod, closing.Token))).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A check that could not reach an engine proves nothing: its calls are asked about again next time.
                logger.LogDebug(ex, "A check of the calls in flight on cluster {Cluster} failed", ClusterId);
            }
        }
    }

    private async Task LookSoonAsync()
    {
        try
        {
            await LookAsync(closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogDebug(ex, "A look at the membership of cluster {Cluster} failed", ClusterId);
        }
    }

    /// <summary>
    /// One look at membership: an engine whose silo is no longer active died (its requests fail now);
    /// an engine with an active silo it has not greeted (a first connection, or a silo that restarted)
    /// is greeted and becomes live.
    /// </summary>
    private async Task LookAsync(CancellationToken cancellationToken)
    {
        var hosts = await orleans.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false).WaitAsync(LookTimeout, cancellationToken).ConfigureAwait(false);
        if (hosts.Where(h => h.Status == SiloStatus.Active).Select(h => EnginePlacement.EngineIdOf(h.SiloName)).Max() is { } highest)
        {
            Grow(highest + 1);
        }

        var greetings = new List<Task>();
        foreach (var engine in Volatile.Read(ref engines))
        {
            var name = EnginePlacement.SiloName(engine.EngineId);
            var active = hosts.Where(h => h.SiloName == name && h.Status == SiloStatus.Active).MaxBy(h => h.SiloAddress.Generation)?.SiloAddress;
            if (engine.Silo is { } known && !known.Equals(active))
            {
                var status = hosts.FirstOrDefault(h => h.SiloAddress.Equals(known))?.Status;
                engine.Died($"its silo {known} is {(status is { } s ? s.ToString().ToLowerInvariant() : "gone from the cluster")}", expected: false, Signal);
                logger.LogWarning("Engine {Engine} died: its silo {Silo} is {Status}", engine.EngineId, known, status);
            }

            if (active is not null && engine.Silo is null)
            {
                greetings.Add(GreetAsync(engine, active, cancellationToken));
            }
        }

        await Task.WhenAll(greetings).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes room for engines up to <paramref name="count"/> − 1: a silo of a higher engine id joined the
    /// cluster (a machine started with <c>parallax silo start</c> after this client connected). The new
    /// engines are greeted by the same look, and <see cref="Changed"/> tells the client when they are live.
    /// </summary>
    private void Grow(int count)
    {
        lock (growing)
        {
            var known = engines;
            if (count <= known.Length)
            {
                return;
            }

            Volatile.Write(ref engines, [.. known, .. Enumerable.Range(known.Length, count - known.Length).Select(id => new RemoteEngine(id, orleans.GetGrain<IEngineGrain>(id)))]);
            logger.LogInformation("Engines {First} to {Last} joined cluster {Cluster}", known.Length, count - 1, ClusterId);
        }
    }

    private async Task GreetAsync(RemoteEngine engine, SiloAddress silo, CancellationToken cancellationToken)
    {
        EngineIdentity identity;
        try
        {
            identity = await engine.Grain.Hello().WaitAsync(LookTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Placed before every silo saw the new one as active, or routed to the old one: the next look greets it again.
            logger.LogDebug(ex, "Engine {Engine}'s silo {Silo} did not answer a hello yet", engine.EngineId, silo);
            return;
        }

        var data = useDataPorts && identity.DataPort != 0 ? new DataChannel(new System.Net.IPEndPoint(silo.Endpoint.Address, identity.DataPort), credentials) : null;
        var (previous, life) = engine.Joined(silo, identity, data);
        if (data is not null)
        {
            _ = WatchAsync(engine, data, identity.Incarnation, life);
        }

        if (previous is not null)
        {
            logger.LogWarning(
                "Engine {Engine} rejoined: a new silo process ({Process} on {Machine}) replaced incarnation {Previous}; its namespace is empty",
                engine.EngineId, identity.ProcessId, identity.Machine, previous);
        }

        Signal();
    }

    /// <summary>Fails the engine's requests as soon as its silo process is found gone through its data port: no wait for membership.</summary>
    private async Task WatchAsync(RemoteEngine engine, DataChannel data, Guid incarnation, CancellationToken life)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(life, closing.Token);
        if (await data.WatchAsync(incarnation, both.Token).ConfigureAwait(false) is { } gone && !both.IsCancellationRequested)
        {
            engine.Died(gone, expected: false, Signal);
            logger.LogWarning("Engine {Engine} died: {How}", engine.EngineId, gone);
        }
    }

    private void Signal() => Interlocked.Exchange(ref changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The client's side of one engine: the silo it was greeted on and that silo's incarnation, the
    /// requests sent and not answered, and the line they keep so they run in the order sent.
    /// </summary>
    private sealed class RemoteEngine(int engineId, IEngineGrain grain) : IEngineConnection
    {
        private readonly Lock gate = new();
        private readonly HashSet<PendingCall> pending = [];
        private Task line = Task.CompletedTask;
        private CancellationTokenSource life = new();
        private Guid incarnation;

        public int EngineId { get; } = engineId;

        public IEngineGrain Grain { get; } = grain;

        public bool IsAlive
        {
            get
            {
                lock (gate)
                {
                    return Silo is not null;
                }
            }
        }

        public int Pending
        {
            get
            {
                lock (gate)
                {
                    return pending.Count;
                }
            }
        }

        /// <summary>Gets the silo the engine was greeted on, or null while it is down.</summary>
        public SiloAddress? Silo { get; private set; }

        /// <summary>Gets the engine's data port, or null when bulk data goes through Orleans.</summary>
        public DataChannel? Data { get; private set; }

        /// <summary>Gets how the engine last died, or null.</summary>
        public string? Death { get; private set; }

        public int Rejoined { get; private set; }

        /// <summary>Registers a request to this engine; null when it is down.</summary>
        public PendingCall? Track(IReplySink sink, int index)
        {
            lock (gate)
            {
                if (Silo is null)
                {
                    return null;
                }

                var call = new PendingCall(this, sink, index, life.Token, Forget);
                pending.Add(call);
                return call;
            }
        }

        /// <summary>
        /// Runs <paramref name="call"/> once the call sent before it to this engine has been answered:
        /// Orleans does not keep the order of messages, and an engine must run requests in the order sent.
        /// A request cancelled while it waits for its turn is never sent (<see cref="OperationCanceledException"/>).
        /// </summary>
        public async Task<GrainReply> InOrder(Func<Task<GrainReply>> call, PendingCall pending)
        {
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task before;
            lock (gate)
            {
                before = line;
                line = mine.Task;
            }

            try
            {
                await before.WaitAsync(pending.WaitToken).ConfigureAwait(false);
                pending.Sending();
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        // Raced with the call's token too: a call found lost frees the line even if Orleans never completes it.
                        var reply = await call().WaitAsync(pending.Token).ConfigureAwait(false);
                        pending.Replied();
                        return reply;
                    }
                    catch (Exception ex) when (attempt < SendAttempts && ex is ConnectionFailedException or OrleansMessageRejectionException)
                    {
                        // No connection to a gateway (one opening slowly on a loaded machine, or one that just
                        // died), or a silo on the way could not forward it (to a silo that just died, which held
                        // the grain directory's entry, before membership declared it dead): the message never
                        // reached the grain, so sending it again cannot run it twice. An engine that is really
                        // dead fails this call through its watch or membership meanwhile (the delay ends with its life token).
                        await Task.Delay(SendRetryDelay, pending.Token).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                mine.TrySetResult();
            }
        }

        /// <summary>
        /// The engine's silo answered a hello: the engine is live. Returns the incarnation it replaced, if
        /// any, and the token that is cancelled when this incarnation is found dead.
        /// </summary>
        public (Guid? Previous, CancellationToken Life) Joined(SiloAddress silo, EngineIdentity identity, DataChannel? data)
        {
            lock (gate)
            {
                var previous = incarnation;
                Silo = silo;
                Death = null;
                Data = data;
                incarnation = identity.Incarnation;
                if (previous == Guid.Empty || previous == identity.Incarnation)
                {
                    return (null, life.Token);
                }

                Rejoined++;
                return (previous, life.Token);
            }
        }

        /// <summary>The engine's silo is gone: every request sent to it fails now, with <see cref="EngineDiedException"/>.</summary>
        public void Died(string detail, bool expected, Action signal)
        {
            PendingCall[] failing;
            CancellationTokenSource ended;
            DataChannel? data;
            lock (gate)
            {
                if (Silo is null && pending.Count == 0)
                {
                    return;
                }

                data = Data;
                Data = null;
                Silo = null;
                Death = detail;
                failing = [.. pending];
                pending.Clear();
                ended = life;
                life = new CancellationTokenSource();
                line = Task.CompletedTask;
            }

            if (!expected)
            {
                EngineTelemetry.EngineDeaths.Add(1);
            }

            foreach (var call in failing)
            {
                call.Fail(expected ? new ObjectDisposedException("Parallax Orleans connection", $"The connection was closed before engine {EngineId} answered.") : new EngineDiedException(EngineId, detail));
            }

            // Orleans' own waits for the dead silo's answers end now, not at the response timeout.
            ended.Cancel();
            ended.Dispose();
            data?.Dispose();
            signal();
        }

        /// <summary>
        /// Asks the engine about the calls sent to it that have waited at least <paramref name="age"/> for
        /// their answer: one it has (waiting or running) is fine however long it runs; one it does not
        /// know, or has answered already, at two checks in a row was lost on the way and fails now.
        /// </summary>
        public async Task CheckCallsAsync(TimeSpan age, CancellationToken cancellationToken)
        {
            PendingCall[] waiting;
            lock (gate)
            {
                waiting = Silo is null ? [] : [.. pending.Where(c => c.AwaitsAnswerSince(age))];
            }

            if (waiting.Length == 0)
            {
                return;
            }

            var states = await Grain.Status([.. waiting.Select(c => c.Id)]).WaitAsync(age, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < waiting.Length; i++)
            {
                waiting[i].Checked(states[i]);
            }
        }

        /// <summary>What a failed call to this engine tells the caller.</summary>
        public Exception Explain(Exception ex) => ex switch
        {
            OperationCanceledException or IOException or ObjectDisposedException when Death is { } death => new EngineDiedException(EngineId, death),
            SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException => new EngineDiedException(EngineId, $"its silo could not be reached: {ex.Message}"),
            _ => ex,
        };

        private void Forget(PendingCall call)
        {
            lock (gate)
            {
                pending.Remove(call);
            }
        }
    }

    /// <summary>
    /// One target's part of one request: answered or failed once, whichever comes first (the answer, or
    /// the engine's death). Until it is sent to its grain it can be cancelled on the client; once sent,
    /// cancelling it asks the grain to cancel the running call's token (<see cref="IEngineGrain.Cancel"/>).
    /// </summary>
    private sealed class PendingCall(RemoteEngine engine, IReplySink sink, int index, CancellationToken life, Action<PendingCall> forget)
    {
        private const int Waiting = 0;
        private const int Sent = 1;
        private const int CancelledBeforeSent = 2;
        private const int CancelledAfterSent = 3;

        /// <summary>Checks in a row that found the call unknown to its engine, or answered there, before it is failed as lost.</summary>
        private const int LostAfter = 2;

        // Linked to the engine's life: the wait for this request's turn ends at a cancel or at the engine's death.
        private readonly CancellationTokenSource wait = CancellationTokenSource.CreateLinkedTokenSource(life);

        // Linked to the engine's life: the grain call ends at the engine's death, or when the call is found lost.
        private readonly CancellationTokenSource call = CancellationTokenSource.CreateLinkedTokenSource(life);
        private int done;
        private int state;
        private long sentAt;
        private int answered;
        private int strikes;

        /// <summary>Gets the id the grain knows the call by, to cancel it or ask where it stands.</summary>
        public Guid Id { get; } = Guid.NewGuid();

        /// <summary>Gets the token of the grain call: cancelled when the engine is found dead or the call lost, never by a cancel (the engine answers a cancelled call).</summary>
        public CancellationToken Token => call.Token;

        /// <summary>Gets the token the wait for this request's turn takes.</summary>
        public CancellationToken WaitToken => wait.Token;

        public bool IsCancelledBeforeSent => Volatile.Read(ref state) == CancelledBeforeSent;

        /// <summary>Its turn has come: from now on a cancel goes to the grain.</summary>
        /// <exception cref="OperationCanceledException">It was cancelled just before.</exception>
        public void Sending()
        {
            if (Interlocked.CompareExchange(ref state, Sent, Waiting) != Waiting)
            {
                throw new OperationCanceledException($"The call was cancelled before it was sent to engine {engine.EngineId}.");
            }

            Volatile.Write(ref sentAt, Environment.TickCount64);
        }

        /// <summary>The grain answered: what follows (a download of a parked result) is no longer the engine's to know about.</summary>
        public void Replied() => Volatile.Write(ref answered, 1);

        /// <summary>Whether the call was sent at least <paramref name="age"/> ago and its grain has not answered.</summary>
        public bool AwaitsAnswerSince(TimeSpan age) =>
            Volatile.Read(ref done) == 0 && Volatile.Read(ref answered) == 0 && Volatile.Read(ref sentAt) is var at && at != 0 && Environment.TickCount64 - at >= (long)age.TotalMilliseconds;

        /// <summary>What the engine said of this call when asked (<see cref="RemoteEngine.CheckCallsAsync"/>): after <see cref="LostAfter"/> checks in a row that it does not have it, it fails as lost.</summary>
        public void Checked(CallState where)
        {
            if (where is CallState.Waiting or CallState.Running)
            {
                Volatile.Write(ref strikes, 0);
                return;
            }

            if (Interlocked.Increment(ref strikes) < LostAfter || Volatile.Read(ref answered) != 0)
            {
                return;
            }

            var seconds = (Environment.TickCount64 - Volatile.Read(ref sentAt)) / 1000.0;
            Fail(new TimeoutException(where == CallState.Done
                ? $"Engine {engine.EngineId} finished this call, but its answer has not arrived {seconds:F0} s later: the answer was lost between the engine's silo and this client. What the call did on the engine (Engine.Set, a push's values) stands; send it again for its result."
                : $"Engine {engine.EngineId} has no record of this call {seconds:F0} s after it was sent, though the engine answers: the request was lost between this client and the engine's silo, and it never ran. Send it again."));
        }

        /// <summary>Stops the request: not sent yet, it never will be; sent, the grain cancels its call's token.</summary>
        public void Cancel()
        {
            if (Volatile.Read(ref done) != 0)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref state, CancelledBeforeSent, Waiting) == Waiting)
            {
                try
                {
                    wait.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // Answered or failed meanwhile: nothing left to stop.
                }
            }
            else if (Interlocked.CompareExchange(ref state, CancelledAfterSent, Sent) == Sent)
            {
                _ = CancelOnGrainAsync();
            }
        }

        public void Answer(in EngineReply reply, ReadOnlySpan<byte> result)
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                forget(this);
                wait.Dispose();
                call.Dispose();
                sink.Answered(index, reply, result);
            }
        }

        public void Fail(Exception exception)
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                forget(this);
                wait.Dispose();

                // The grain call, if still waited on (a lost one, or one the engine's death ends), stops now and frees the engine's line.
                call.Cancel();
                call.Dispose();
                sink.Failed(index, exception is OperationCanceledException && IsCancelledBeforeSent && !life.IsCancellationRequested
                    ? new OperationCanceledException($"The call was cancelled before it was sent to engine {engine.EngineId}.")
                    : exception);
            }
        }

        private async Task CancelOnGrainAsync()
        {
            try
            {
                await engine.Grain.Cancel(Id).WaitAsync(life).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The engine died or answered meanwhile: its call is over either way, and its end reaches the sink.
            }
        }
    }

    /// <summary>Calls as sent to their engines, one per target (null for a target that was down): what cancels them.</summary>
    private sealed class SentCalls(int targets) : ISentRequest
    {
        private readonly PendingCall?[] calls = new PendingCall?[targets];

        public void Sent(int index, PendingCall? call) => calls[index] = call;

        public void Cancel(int index) => calls[index]?.Cancel();
    }
}
