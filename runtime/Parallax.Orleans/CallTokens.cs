namespace Parallax.Engines.Silos;

/// <summary>
/// The cancellation tokens of the calls a silo's engine runs, by the ids clients name them by: a
/// cancel (<see cref="IEngineGrain.Cancel"/>) interleaves with the running call and cancels its
/// token. A cancel can overtake its call (Orleans does not keep the order of two calls), so a cancel
/// for a call not begun yet is remembered, and that call then does not run.
/// </summary>
internal sealed class CallTokens
{
    /// <summary>How many early cancels are remembered; past it they are forgotten (only a cancel racing a call's end leaves one behind).</summary>
    private const int EarlyLimit = 4096;

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, CancellationTokenSource> running = [];
    private readonly HashSet<Guid> early = [];

    /// <summary>Begins call <paramref name="call"/>: false when it was cancelled before it began (it must not run).</summary>
    public bool TryBegin(Guid call, out CancellationToken token)
    {
        lock (gate)
        {
            if (early.Remove(call))
            {
                token = new CancellationToken(canceled: true);
                return false;
            }

            var source = new CancellationTokenSource();
            running[call] = source;
            token = source.Token;
            return true;
        }
    }

    /// <summary>Call <paramref name="call"/> is over.</summary>
    public void End(Guid call)
    {
        // Not disposed: a cancel that found it just before may still be cancelling it (a source without a timer holds nothing).
        lock (gate)
        {
            running.Remove(call);
        }
    }

    /// <summary>Cancels call <paramref name="call"/>'s token, or keeps the cancel for when it begins.</summary>
    public void Cancel(Guid call)
    {
        CancellationTokenSource? source;
        lock (gate)
        {
            if (!running.TryGetValue(call, out source))
            {
                if (early.Count >= EarlyLimit)
                {
                    early.Clear();
                }

                early.Add(call);
                return;
            }
        }

        source.Cancel();
    }
}
