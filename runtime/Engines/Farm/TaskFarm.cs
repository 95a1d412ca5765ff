using Parallax.Engines.Transport;

namespace Parallax.Engines.Farm;

/// <summary>
/// The scheduler behind every load-balanced view of one client: it holds the jobs (maps and calls)
/// that have tasks to run, sends their chunks to the least-loaded live engines, at most
/// <see cref="Depth"/> per engine, taking the jobs in turn so that concurrent maps share the engines,
/// and settles each chunk's outcome: results, failures, retries after an engine died, timeouts,
/// cancellation. It talks to engines only through <see cref="IFarmEngines"/>.
/// </summary>
internal sealed class TaskFarm(IFarmEngines engines)
{
    /// <summary>Chunks outstanding per engine: one running and one waiting on the engine, so it never idles for a round trip.</summary>
    public const int Depth = 2;

    private readonly Lock gate = new();
    private readonly List<FarmJob> jobs = [];
    private readonly EngineLoad load = new(Depth);
    private int rotor;
    private long sequence;
    private bool watching;

    /// <summary>Starts running <paramref name="job"/>'s tasks.</summary>
    public void Submit(FarmJob job)
    {
        if (job.TaskCount == 0)
        {
            job.Finish();
            return;
        }

        lock (gate)
        {
            // Cancelled before it was submitted (its token was cancelled already): it is over.
            if (job.IsCancelRequested)
            {
                return;
            }

            jobs.Add(job);
        }

        Pump();
    }

    /// <summary>Stops <paramref name="job"/>: its waiting tasks are dropped now, its chunks on engines are cancelled there.</summary>
    public void Cancel(FarmJob job)
    {
        List<(int Start, int Count)> dropped;
        Chunk[] running;
        bool finished;
        lock (gate)
        {
            (dropped, running, finished) = job.RequestCancel();
            if (finished)
            {
                jobs.Remove(job);
            }
        }

        var reason = new OperationCanceledException("The task was cancelled before it started.");
        foreach (var (start, count) in dropped)
        {
            job.Drop(start, count, reason);
        }

        job.Changed();

        // Latest first: on each engine the chunk waiting behind the running one is dropped before the
        // running one stops, so the engine never starts it.
        foreach (var chunk in running.OrderByDescending(c => c.Sequence))
        {
            chunk.Cancel();
        }

        if (finished)
        {
            job.Finish();
        }
    }

    internal void OnCompleted(Chunk chunk, ReadOnlySpan<byte> result, in EngineReply reply)
    {
        (int Start, int Count) unreached;
        try
        {
            unreached = chunk.Job.Deliver(chunk, result, reply);
        }
        catch (Exception ex)
        {
            // The answer could not be read (a type that changed between client and engine, say): its tasks fail with the reason.
            FailAll(chunk, ex);
            unreached = default;
        }

        Settle(chunk, unreached, chunk.Attempt, chunk.Count - unreached.Count, (reply.Completed - reply.Started).TotalSeconds);
    }

    internal void OnFailed(Chunk chunk, Exception exception)
    {
        var job = chunk.Job;
        (int Start, int Count) again = default;
        var attempt = chunk.Attempt;
        if (chunk.IsTimedOut)
        {
            for (var i = chunk.Start; i < chunk.Start + chunk.Count; i++)
            {
                job.Fail(i, chunk.EngineId, new TaskTimeoutException(i, chunk.EngineId, job.Timeout!.Value));
            }
        }
        else if (job.IsCancelRequested && exception is OperationCanceledException or EngineDiedException)
        {
            job.Drop(chunk.Start, chunk.Count, exception as OperationCanceledException ?? new OperationCanceledException("The task was cancelled; its engine died meanwhile.", exception));
        }
        else if (exception is EngineDiedException died)
        {
            if (!chunk.MayHaveStarted)
            {
                again = (chunk.Start, chunk.Count);
            }
            else if (chunk.Attempt < job.Retries)
            {
                again = (chunk.Start, chunk.Count);
                attempt++;
            }
            else
            {
                for (var i = chunk.Start; i < chunk.Start + chunk.Count; i++)
                {
                    var retried = job.Retries == 0 ? "" : $", the last of {job.Retries + 1} engines it was sent to";
                    job.Fail(i, chunk.EngineId, new EngineDiedException(chunk.EngineId, $"{died.Detail}; task {i} was on it{retried}"));
                }
            }
        }
        else
        {
            FailAll(chunk, exception);
        }

        Settle(chunk, again, attempt, 0, 0);
    }

    private static void FailAll(Chunk chunk, Exception exception)
    {
        for (var i = chunk.Start; i < chunk.Start + chunk.Count; i++)
        {
            chunk.Job.Fail(i, chunk.EngineId, exception);
        }
    }

    /// <summary>Forgets a chunk that answered or was lost, puts back the tasks it did not run, and sends more.</summary>
    private void Settle(Chunk chunk, (int Start, int Count) again, int attempt, int timedTasks, double seconds)
    {
        var job = chunk.Job;
        var drop = false;
        bool finished;
        lock (gate)
        {
            load.Remove(chunk)?.StartClock(job.Timeout);
            chunk.Predecessor = null;
            if (timedTasks > 0)
            {
                job.Observe(timedTasks, seconds);
            }

            if (again.Count > 0)
            {
                if (job.IsCancelRequested)
                {
                    drop = true;
                }
                else
                {
                    job.Return(again.Start, again.Count, attempt);
                }
            }

            finished = job.Remove(chunk);
            if (finished)
            {
                jobs.Remove(job);
            }
        }

        if (drop)
        {
            job.Drop(again.Start, again.Count, new OperationCanceledException("The task was cancelled before it started."));
        }

        job.Changed();
        if (finished)
        {
            job.Finish();
        }

        Pump();
    }

    /// <summary>Sends chunks while an engine has room and a job has waiting tasks; fails the tasks of jobs no engine will ever run.</summary>
    private void Pump()
    {
        List<Chunk>? send = null;
        List<(FarmJob Job, List<(int Start, int Count)> Tasks, bool Finished)>? stranded = null;
        var watch = false;
        lock (gate)
        {
            if (jobs.Count == 0)
            {
                return;
            }

            var live = engines.LiveEngineIds;

            // Round robin over the jobs: each chunk sent moves the turn to the next job, so a job submitted
            // while another fills every engine gets the next free place, and concurrent maps share the engines.
            for (var sent = true; sent;)
            {
                sent = false;
                for (var k = 0; k < jobs.Count; k++)
                {
                    var turn = (rotor + k) % jobs.Count;
                    var job = jobs[turn];
                    if (!job.HasWaiting || load.LeastLoaded(live, job.Targets) is var engineId && engineId < 0)
                    {
                        continue;
                    }

                    var chunk = job.Take(this, engineId, job.Targets is null ? live.Count : live.Count(job.Targets.Contains), ++sequence);
                    chunk.Predecessor = load.Add(chunk);
                    if (chunk.Predecessor is null)
                    {
                        chunk.StartClock(job.Timeout);
                    }

                    (send ??= []).Add(chunk);
                    rotor = (turn + 1) % jobs.Count;
                    sent = true;
                    break;
                }
            }

            foreach (var job in jobs)
            {
                if (job.HasWaiting && !job.HasRunning && !(job.Targets ?? engines.AllEngineIds).Any(id => live.Contains(id) || engines.IsRestarting(id)))
                {
                    var (tasks, finished) = job.Strand();
                    (stranded ??= []).Add((job, tasks, finished));
                }
            }

            if (stranded is not null)
            {
                jobs.RemoveAll(j => j.IsFinished);
            }

            if (!watching && jobs.Count > 0)
            {
                watching = watch = true;
            }
        }

        foreach (var (job, tasks, finished) in stranded ?? [])
        {
            var ids = job.Targets is null ? "the cluster" : $"the view [{string.Join(", ", job.Targets)}]";
            foreach (var (start, count) in tasks)
            {
                for (var i = start; i < start + count; i++)
                {
                    job.Fail(i, -1, EngineDiedException.NoEngine(i, ids));
                }
            }

            job.Changed();
            if (finished)
            {
                job.Finish();
            }
        }

        foreach (var chunk in send ?? [])
        {
            Send(chunk);
        }

        if (watch)
        {
            _ = Task.Run(WatchAsync);
        }
    }

    private void Send(Chunk chunk)
    {
        Parallax.CompilerServices.EngineCall call;
        try
        {
            call = chunk.Job.Encode(chunk.Start, chunk.Count);
        }
        catch (Exception ex)
        {
            OnFailed(chunk, ex);
            return;
        }

        chunk.Job.Sent(chunk);
        chunk.Sent(engines.Dispatch(chunk.EngineId, call, chunk));
    }

    /// <summary>While jobs are active, sends again whenever engines come or go: a restarted engine rejoins, and work for a view none of whose engines will return fails instead of waiting.</summary>
    private async Task WatchAsync()
    {
        while (true)
        {
            var signal = engines.Changed;
            lock (gate)
            {
                if (jobs.Count == 0)
                {
                    watching = false;
                    return;
                }
            }

            Pump();
            await signal.ConfigureAwait(false);
        }
    }
}
