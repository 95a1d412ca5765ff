using System.Diagnostics;
using System.Net.Sockets;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// An engine's requests that run code or touch its namespace: read by each connection's thread as they
/// arrive, run one at a time, in order, by one worker thread. Because the connection threads keep
/// reading while a call runs, a cancel reaches the engine at once: a request still waiting is dropped
/// (answered as cancelled, never started), the running one sees its <see cref="Engine.CancellationToken"/>
/// cancelled. Waiting requests are bounded in bytes: above the bound a connection thread stops reading
/// (the client's sends then wait, as before), so a flood of calls cannot exhaust the engine's memory.
/// </summary>
internal sealed class CallQueue
{
    private readonly object gate = new();
    private readonly LinkedList<Entry> waiting = [];
    private readonly Action<FrameChannel, Frame> run;
    private readonly Action<FrameChannel, ulong> dropped;
    private readonly long limit;
    private readonly long pollTicks;
    private long waitingBytes;
    private Entry? current;

    /// <param name="run">Runs one request and replies to it.</param>
    /// <param name="dropped">Replies to a request cancelled before it started.</param>
    /// <param name="limit">The bytes of waiting requests above which a connection stops reading.</param>
    /// <param name="polling">How long the worker polls for the next request before it sleeps (as the connections poll their sockets).</param>
    public CallQueue(Action<FrameChannel, Frame> run, Action<FrameChannel, ulong> dropped, long limit, TimeSpan polling)
    {
        this.run = run;
        this.dropped = dropped;
        this.limit = limit;
        pollTicks = (long)(polling.TotalSeconds * Stopwatch.Frequency);
        new Thread(Work) { IsBackground = true, Name = "parallax-engine-calls" }.Start();
    }

    /// <summary>Queues a request; waits while the queue holds more than its bound.</summary>
    public void Enqueue(FrameChannel channel, Frame frame)
    {
        long size = frame.Meta.Length + frame.Data.Length;
        lock (gate)
        {
            while (waitingBytes > 0 && waitingBytes + size > limit)
            {
                Monitor.Wait(gate);
            }

            waiting.AddLast(new Entry(channel, frame, size));
            waitingBytes += size;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>Drops request <paramref name="requestId"/> of <paramref name="channel"/> if it waits, or cancels its token if it runs; nothing if it is over.</summary>
    public void Cancel(FrameChannel channel, ulong requestId)
    {
        CancellationTokenSource? running = null;
        var drop = false;
        lock (gate)
        {
            if (current is { } c && c.Channel == channel && c.Frame.RequestId == requestId)
            {
                running = c.Cancellation;
            }
            else
            {
                for (var node = waiting.First; node is not null; node = node.Next)
                {
                    if (node.Value.Channel == channel && node.Value.Frame.RequestId == requestId)
                    {
                        Remove(node);
                        drop = true;
                        break;
                    }
                }
            }
        }

        if (drop)
        {
            dropped(channel, requestId);
        }

        // Off this thread: token callbacks are user code, and this thread must go on reading.
        if (running is not null)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static source => source.Cancel(), running, preferLocal: false);
        }
    }

    /// <summary>Drops what a closed connection left waiting: nobody is there to answer.</summary>
    public void Forget(FrameChannel channel)
    {
        lock (gate)
        {
            for (var node = waiting.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Channel == channel)
                {
                    Remove(node);
                }

                node = next;
            }
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        waiting.Remove(node);
        waitingBytes -= node.Value.Size;
        Monitor.PulseAll(gate);
    }

    private void Work()
    {
        while (true)
        {
            var entry = Next();
            RunningCall.Token = entry.Cancellation.Token;
            try
            {
                run(entry.Channel, entry.Frame);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
            {
                // The connection closed while the call ran: its reply has nowhere to go.
            }
            finally
            {
                RunningCall.Token = default;
                lock (gate)
                {
                    current = null;
                }
            }
        }
    }

    private Entry Next()
    {
        // A loop of short calls finds the next request within microseconds: polling first spares a sleep
        // and a wake-up per call, which on a small machine cost more than the call (ClusterOptions.ReceivePolling).
        var start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref waitingBytes) == 0 && waiting.Count == 0 && Stopwatch.GetTimestamp() - start < pollTicks)
        {
            Thread.Yield();
        }

        lock (gate)
        {
            while (waiting.Count == 0)
            {
                Monitor.Wait(gate);
            }

            var entry = waiting.First!.Value;
            Remove(waiting.First);
            current = entry;
            return entry;
        }
    }

    private sealed class Entry(FrameChannel channel, Frame frame, long size)
    {
        public FrameChannel Channel { get; } = channel;

        public Frame Frame { get; } = frame;

        public long Size { get; } = size;

        // Never disposed: a cancel may still be on its way to it from the pool, and it holds no timer.
        public CancellationTokenSource Cancellation { get; } = new();
    }
}
