namespace Parallax.Engines.Farm;

/// <summary>
/// A map's results as they arrive, in the style of a channel: each task's value or failure, the order
/// values arrived in (for unordered streaming), progress, and the final outcome. Any number of readers
/// stream from it, each from the start; writers are the transport's receive threads.
/// </summary>
internal sealed class MapResults<T>
{
    private const byte Waiting = 0;
    private const byte Value = 1;
    private const byte Failed = 2;
    private const byte Dropped = 3;

    private readonly Lock gate = new();
    private readonly T[] values;
    private readonly byte[] states;
    private readonly int[] engineIds;
    private readonly int[] arrivals;
    private readonly List<(int Index, Exception Failure)> failures = [];
    private readonly TaskCompletionSource<T[]> done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IProgress<MapProgress>? progress;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int arrived;
    private int completed;
    private OperationCanceledException? interrupted;

    public MapResults(int total, IProgress<MapProgress>? progress)
    {
        values = new T[total];
        states = new byte[total];
        engineIds = new int[total];
        Array.Fill(engineIds, -1);
        arrivals = new int[total];
        this.progress = progress;
    }

    public int Total => values.Length;

    public int Completed => Volatile.Read(ref completed);

    public IReadOnlyList<int> EngineIds => engineIds;

    public Task<T[]> Task => done.Task;

    public void SetValue(int index, T value, int engineId)
    {
        lock (gate)
        {
            if (states[index] != Waiting)
            {
                return;
            }

            values[index] = value;
            states[index] = Value;
            engineIds[index] = engineId;
            arrivals[arrived++] = index;
            completed++;
        }
    }

    public void SetFailure(int index, Exception failure, int engineId)
    {
        lock (gate)
        {
            if (states[index] != Waiting)
            {
                return;
            }

            states[index] = Failed;
            engineIds[index] = engineId;
            failures.Add((index, failure));
            completed++;
        }
    }

    /// <summary>Tasks that will not run: cancelled, or lost with an engine restarted to stop them.</summary>
    public void Drop(int start, int count, OperationCanceledException reason)
    {
        lock (gate)
        {
            for (var i = start; i < start + count; i++)
            {
                if (states[i] == Waiting)
                {
                    states[i] = Dropped;
                }
            }

            if (reason is EngineRestartedException)
            {
                interrupted ??= reason;
            }
        }
    }

    /// <summary>Wakes readers and reports progress after a batch of changes.</summary>
    public void Publish()
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            wake = changed;
            changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        wake.TrySetResult();
        progress?.Report(new MapProgress(Completed, Total));
    }

    /// <summary>Completes the map: its values, or the failures named by task, or its cancellation.</summary>
    public void Finish(bool cancelRequested)
    {
        Exception? outcome;
        lock (gate)
        {
            if (interrupted is not null)
            {
                outcome = interrupted;
            }
            else if (cancelRequested && completed < values.Length)
            {
                outcome = new OperationCanceledException($"The map was cancelled: {completed} of {values.Length} tasks finished; the others were dropped before they started or stopped on their engines.");
            }
            else
            {
                outcome = failures.Count > 0 ? RemoteAggregateException.ForTasks([.. failures.OrderBy(f => f.Index)], values.Length) : null;
            }
        }

        if (outcome is null)
        {
            done.TrySetResult(values);
        }
        else
        {
            done.TrySetException(outcome);
        }

        Publish();
    }

    /// <summary>The values in input order as they become available; the map's exception once a failed task or the end is reached.</summary>
    public async IAsyncEnumerable<T> InOrder([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < values.Length; i++)
        {
            while (true)
            {
                Task signal;
                lock (gate)
                {
                    if (states[i] == Value)
                    {
                        break;
                    }

                    if (states[i] != Waiting || done.Task.IsCompleted)
                    {
                        signal = done.Task;
                    }
                    else
                    {
                        signal = changed.Task;
                    }
                }

                if (signal == done.Task)
                {
                    await done.Task.ConfigureAwait(false); // throws the map's exception
                    break;
                }

                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            yield return values[i];
        }
    }

    /// <summary>The values in the order they arrived; the map's exception after the last one.</summary>
    public async IAsyncEnumerable<T> AsArrived([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var read = 0;
        while (true)
        {
            Task? signal = null;
            var next = -1;
            lock (gate)
            {
                if (read < arrived)
                {
                    next = arrivals[read++];
                }
                else if (!done.Task.IsCompleted)
                {
                    signal = changed.Task;
                }
            }

            if (next >= 0)
            {
                yield return values[next];
            }
            else if (signal is not null)
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await done.Task.ConfigureAwait(false);
                yield break;
            }
        }
    }
}
