namespace Parallax;

/// <summary>
/// The life of memory a matrix view reads that its owner may withdraw: an engine variable pushed
/// through shared memory, or one an engine wrote into a segment a pull maps. The owner revokes it
/// when the variable is replaced, removed or released; from then on every access through a view
/// throws, and the memory is released only once no operation that entered it (a product reading it
/// for seconds) is still inside. Views over managed arrays have none: the array itself keeps them valid.
/// </summary>
internal sealed class ViewLifetime(string what)
{
    private readonly Lock gate = new();
    private volatile string? revoked;
    private int users;
    private Action? release;

    /// <summary>Gets whether the memory was withdrawn.</summary>
    public bool IsRevoked => revoked is not null;

    /// <summary>Throws unless the memory is still the variable's.</summary>
    /// <exception cref="ObjectDisposedException">It was withdrawn.</exception>
    public void ThrowIfRevoked()
    {
        if (revoked is { } reason)
        {
            throw Revoked(reason);
        }
    }

    /// <summary>Holds the memory for an operation: until the scope ends, revoking it defers the release.</summary>
    /// <exception cref="ObjectDisposedException">It was withdrawn already.</exception>
    public Scope Enter()
    {
        lock (gate)
        {
            ThrowIfRevoked();
            users++;
            return new Scope(this);
        }
    }

    /// <summary>Withdraws the memory: from now on every access through a view throws, naming <paramref name="reason"/> (the first reason given stays).</summary>
    public void Revoke(string reason)
    {
        lock (gate)
        {
            revoked ??= reason;
        }
    }

    /// <summary>Runs <paramref name="releaseMemory"/> now if no operation is inside, else when the last one leaves. Call it after <see cref="Revoke"/>.</summary>
    public void ReleaseWhenUnused(Action releaseMemory)
    {
        lock (gate)
        {
            if (users > 0)
            {
                var earlier = release;
                release = earlier is null ? releaseMemory : () => { earlier(); releaseMemory(); };
                return;
            }
        }

        releaseMemory();
    }

    private void Exit()
    {
        Action? run = null;
        lock (gate)
        {
            if (--users == 0)
            {
                (run, release) = (release, null);
            }
        }

        run?.Invoke();
    }

    private ObjectDisposedException Revoked(string reason) => new(
        what,
        $"This view of {what} can no longer be read: {reason}. Views of engine variables last while the variable holds the value they were taken from; take a new one (Engine.GetMatrix) or read the variable again.");

    /// <summary>An operation inside the memory; disposing it leaves.</summary>
    public readonly struct Scope(ViewLifetime? lifetime) : IDisposable
    {
        public void Dispose() => lifetime?.Exit();
    }
}
