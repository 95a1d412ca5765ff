using System.Buffers;
using System.ComponentModel;
using MemoryPack;
using Parallax.Engines.Transport;

namespace Parallax.CompilerServices;

/// <summary>
/// Runs a chunk of a load-balanced map on an engine, for the generated invokers: each task on its own,
/// so one task's exception leaves the others' values, and none started once the call is cancelled.
/// Not for direct use.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EngineTasks
{
    /// <summary>
    /// Applies <paramref name="run"/> to every item of <paramref name="block"/> until the running call's
    /// <see cref="Engine.CancellationToken"/> is cancelled, and serializes the values and what became of each task.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="block">The chunk's items.</param>
    /// <param name="run">The user's code for one item.</param>
    /// <returns>The serialized values followed by the serialized outcome of each task.</returns>
    public static byte[] RunEach<TIn, TOut>(TIn[] block, Func<TIn, TOut> run)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(run);
        var token = Engine.CancellationToken;
        var results = new TOut[block.Length];
        var states = new byte[block.Length];
        List<RemoteError>? errors = null;
        for (var i = 0; i < block.Length; i++)
        {
            if (token.IsCancellationRequested)
            {
                states.AsSpan(i).Fill(ChunkOutcome.NotStarted);
                break;
            }

            try
            {
                results[i] = run(block[i]);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                states[i] = ChunkOutcome.Cancelled;
                states.AsSpan(i + 1).Fill(ChunkOutcome.NotStarted);
                break;
            }
            catch (Exception ex)
            {
                states[i] = ChunkOutcome.Failed;
                (errors ??= []).Add(ChunkOutcome.Describe(ex));
            }
        }

        var writer = new ArrayBufferWriter<byte>();
        MemoryPackSerializer.Serialize(writer, results);
        MemoryPackSerializer.Serialize(writer, new ChunkOutcome(states, errors?.ToArray() ?? []));
        return writer.WrittenSpan.ToArray();
    }
}
