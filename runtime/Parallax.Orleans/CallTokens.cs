using Orleans;

namespace Parallax.Engines.Silos;

/// <summary>Where a call stands on its engine, as a client's check of its calls in flight asks (<see cref="IEngineGrain.Status"/>).</summary>
[GenerateSerializer, Alias("parallax.call-state")]
internal enum CallState : byte
{
    /// <summary>The engine has no record of it: it never arrived, or it ended long ago.</summary>
    Unknown,

    /// <summary>It arrived and waits for the requests before it.</summary>
    Waiting,

    /// <summary>It runs.</summary>
    Running,

    /// <summary>It ended and its answer was sent.</summary>
    Done,
}

/// <summary>
/// The calls a silo's engine was sent, by the ids clients name them by: where each stands (arrived,
/// running, done), so that a client can tell a call its engine is still working on from one whose
/// request or answer was lost on the way; and the cancellation tokens of the running ones, which a
/// cancel (<see cref="IEngineGrain.Cancel"/>) interleaves with. A cancel can overtake its call
/// (Orleans does not keep the order of two calls), so a cancel for a call not begun yet is
/// remembered, and that call then does not run.
/// </summary>
internal sealed class CallTokens
{
    /// <summary>How many early cancels are remembered; past it they are forgotten (only a cancel racing a call's end leaves one behind).</summary>
    private const int EarlyLimit = 4096;

    /// <summary>How many ended calls are remembered as done; older ones read as unknown, long after any client checks them.</summary>
    private const int DoneLimit = 4096;

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, CancellationTokenSource> running = [];
    private readonly HashSet<Guid> early = [];
    private readonly Dictionary<Guid, CallState> states = [];
    private readonly Queue<Guid> done = new();

    /// <summary>Call <paramref name="call"/> reached the engine; it waits for its turn.</summary>
    public void Arrived(Guid call)
    {
        lock (gate)
        {
            states.TryAdd(call, CallState.Waiting);
        }
    }

    /// <summary>Begins call <paramref name="call"/>: false when it was cancelled before it began (it must not run, and is done).</summary>
    public bool TryBegin(Guid call, out CancellationToken token)
    {
        lock (gate)
        {
            if (early.Remove(call))
            {
                Ended(call);
                token = new CancellationToken(canceled: true);
                return false;
            }

            var source = new CancellationTokenSource();
            running[call] = source;
            states[call] = CallState.Running;
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
            Ended(call);
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

    /// <summary>Where each of <paramref name="calls"/> stands.</summary>
    public CallState[] States(Guid[] calls)
    {
        lock (gate)
        {
            return [.. calls.Select(c => states.GetValueOrDefault(c, CallState.Unknown))];
        }
    }

    private void Ended(Guid call)
    {
        states[call] = CallState.Done;
        done.Enqueue(call);
        while (done.Count > DoneLimit)
        {
            states.Remove(done.Dequeue());
        }
    }
}
