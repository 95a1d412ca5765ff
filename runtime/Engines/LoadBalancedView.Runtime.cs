using Parallax.CompilerServices;
using Parallax.Engines.Transport;
using Parallax.Engines.Farm;

namespace Parallax;

public sealed partial class LoadBalancedView
{
    private readonly Client client;
    private readonly int[]? targets;
    private int retries;
    private TimeSpan? timeout;

    internal LoadBalancedView(Client client, int[]? targets)
    {
        this.client = client;
        this.targets = targets;
    }

    /// <summary>Gets the engines the view may use: the ids it was made with, or every live engine now for a view of the whole cluster.</summary>
    public IReadOnlyList<int> Targets => targets ?? client.Ids;

    /// <summary>
    /// Gets or sets how many times a task whose engine died is sent to another engine before it fails with
    /// <see cref="EngineDiedException"/> (ipyparallel's <c>retries</c>). A task that had not started when its
    /// engine died is always sent again. Applies to calls made after it is set; a map's <c>retries</c> argument overrides it. Default 0.
    /// </summary>
    public int Retries
    {
        get => retries;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            retries = value;
        }
    }

    /// <summary>
    /// Gets or sets how long one task may run before it is cancelled on its engine and fails with
    /// <see cref="TaskTimeoutException"/>; <see langword="null"/> (the default) for no limit. Time a task
    /// waits for an engine does not count. Applies to calls made after it is set; a map's <c>timeout</c> argument overrides it.
    /// </summary>
    public TimeSpan? Timeout
    {
        get => timeout;
        set
        {
            if (value is { } t && t <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), t, "A task's timeout must be positive; set null for none.");
            }

            timeout = value;
        }
    }

    internal AsyncResult<T> SubmitCore<T>(EngineCall call, CancellationToken cancellationToken) =>
        Submit(new AsyncResult<T>([-1], cancellationToken, static data => LargeArrays.Deserialize<T>(data), static parts => (T)parts[0]!), call);

    internal AsyncResult SubmitCore(EngineCall call, CancellationToken cancellationToken) =>
        Submit(AsyncResult.ForAction([-1], cancellationToken), call);

    internal AsyncMapResult<TOut> SubmitMapCore<TIn, TOut>(string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, int chunkSize, bool ordered, int? retries, TimeSpan? timeout, IProgress<MapProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encodeBlock);
        DirectView.Check(new EngineCall(dispatchId, [], assemblyPath));
        var job = new MapJob<TIn, TOut>(items as TIn[] ?? [.. items], dispatchId, assemblyPath, encodeBlock, targets, chunkSize, retries ?? Retries, timeout ?? Timeout, progress);
        var farm = client.Farm;
        var result = new AsyncMapResult<TOut>(job.Results, ordered, () => farm.Cancel(job), cancellationToken);
        farm.Submit(job);
        return result;
    }

    private TResult Submit<TResult>(TResult result, EngineCall call)
        where TResult : AsyncResult
    {
        DirectView.Check(call);
        var job = new ApplyJob(result, call, targets, Retries, Timeout);
        var farm = client.Farm;
        result.StopWith(() => farm.Cancel(job));
        farm.Submit(job);
        return result;
    }
}
