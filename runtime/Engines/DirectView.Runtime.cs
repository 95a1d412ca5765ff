using System.Collections;
using System.Reflection;
using MemoryPack;
using Parallax.CompilerServices;
using Parallax.Engines;
using Parallax.Engines.Transport;

namespace Parallax;

public sealed partial class DirectView
{
    private readonly Client client;
    private readonly int[] targets;

    internal DirectView(Client client, int[] targets)
    {
        this.client = client;
        this.targets = targets;
    }

    /// <summary>Gets the engines this view runs on, in target order.</summary>
    public IReadOnlyList<int> Targets => targets;

    /// <summary>Sets variable <paramref name="name"/> on every target, as ipyparallel's <c>v["a"] = a</c>.</summary>
    /// <param name="name">The variable's name.</param>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>: push a typed null with <see cref="PushSync{T}(string, T)"/>.</exception>
    public object this[string name]
    {
        set => PushSync(new Dictionary<string, object?> { [name] = value });
    }

    /// <summary>
    /// Pushes variables to every target, as ipyparallel's <c>push(dict(a=a, b=b))</c>: the properties of an
    /// anonymous object (<c>v.PushSync(new { a, b })</c>) or the entries of a dictionary with string keys (any <see cref="IDictionary{TKey, TValue}"/> or <see cref="IReadOnlyDictionary{TKey, TValue}"/>).
    /// Each value is serialized once; large data is written once into shared memory that every target maps.
    /// </summary>
    /// <param name="variables">An anonymous object or a dictionary of names to values.</param>
    public void PushSync(object variables) => PushAsync(variables).GetAwaiter().GetResult();

    /// <inheritdoc cref="PushSync(object)"/>
    /// <param name="variables">An anonymous object or a dictionary of names to values.</param>
    /// <param name="cancellationToken">Stops waiting; the engines finish storing.</param>
    /// <returns>A task that completes when every target has stored the variables.</returns>
    public Task PushAsync(object variables, CancellationToken cancellationToken = default) =>
        client.Push(targets, [Serialize(variables)], cancellationToken).WaitAsync(cancellationToken);

    /// <summary>Pushes one typed variable to every target.</summary>
    /// <typeparam name="T">The type engines read it as with <c>Engine.Get&lt;T&gt;</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value; may be <see langword="null"/>.</param>
    public void PushSync<T>(string name, T value) => PushAsync(name, value).GetAwaiter().GetResult();

    /// <inheritdoc cref="PushSync{T}(string, T)"/>
    /// <typeparam name="T">The type engines read it as with <c>Engine.Get&lt;T&gt;</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The value; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting; the engines finish storing.</param>
    /// <returns>A task that completes when every target has stored the variable.</returns>
    public Task PushAsync<T>(string name, T value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return client.Push(targets, [[new NamedValue(name, TypeName(typeof(T)), Payload.FromValue(typeof(T), value))]], cancellationToken).WaitAsync(cancellationToken);
    }

    /// <summary>Reads variable <paramref name="name"/> from every target, as ipyparallel's <c>pull</c>.</summary>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>One value per target, in target order.</returns>
    public T[] PullSync<T>(string name) => PullResult<T>(name, default).Get();

    /// <inheritdoc cref="PullSync{T}(string)"/>
    /// <typeparam name="T">The variable's type.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task<T[]> PullAsync<T>(string name, CancellationToken cancellationToken = default) => PullResult<T>(name, cancellationToken).WaitAsync(cancellationToken);

    /// <summary>
    /// Reads variable <paramref name="name"/> from every target into arrays the caller already has, one per
    /// target in target order, each of the shape the engine holds. A pull of new arrays must fault in
    /// fresh pages, which on a virtual machine costs more than the transfer; a loop that pulls results of
    /// the same shape again and again reuses its arrays instead.
    /// </summary>
    /// <typeparam name="TArray">A one- or two-dimensional array of a primitive type, e.g. <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="destinations">One array per target, each of that engine's shape; distinct arrays.</param>
    /// <exception cref="InvalidOperationException">An engine's array has another shape than its destination; nothing of it is written.</exception>
    public void PullIntoSync<TArray>(string name, TArray[] destinations) where TArray : class =>
        PullIntoAsync(name, destinations).GetAwaiter().GetResult();

    /// <inheritdoc cref="PullIntoSync{TArray}(string, TArray[])"/>
    /// <typeparam name="TArray">A one- or two-dimensional array of a primitive type, e.g. <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="destinations">One array per target, each of that engine's shape; distinct arrays.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when every destination is filled.</returns>
    public Task PullIntoAsync<TArray>(string name, TArray[] destinations, CancellationToken cancellationToken = default) where TArray : class
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(destinations);
        if (!typeof(TArray).IsArray || typeof(TArray).GetArrayRank() > 2 || !typeof(TArray).GetElementType()!.IsPrimitive)
        {
            throw new ArgumentException($"PullInto fills arrays of primitives, T[] or T[,], not {typeof(TArray)}; use PullSync<T> for other values.", nameof(TArray));
        }

        if (destinations.Length != targets.Length)
        {
            throw new ArgumentException($"The view has {targets.Length} targets but {destinations.Length} destinations were given; pass one array per target, in target order.", nameof(destinations));
        }

        var arrays = new Array[destinations.Length];
        for (var i = 0; i < destinations.Length; i++)
        {
            arrays[i] = destinations[i] as Array ?? throw new ArgumentNullException(nameof(destinations), $"destinations[{i}] (for engine {targets[i]}) is null.");
            if (Array.IndexOf(arrays, arrays[i], 0, i) is var same and >= 0)
            {
                throw new ArgumentException($"destinations[{same}] and destinations[{i}] are the same array; engines {targets[same]} and {targets[i]} would overwrite each other.", nameof(destinations));
            }
        }

        var result = new AsyncResult<bool>(targets, cancellationToken, (index, data) =>
        {
            var destination = arrays[index];
            if (!LargeArrays.TryCopyInto(data, destination, out var shape))
            {
                var wanted = destination.Rank == 1 ? $"[{destination.Length}]" : $"[{destination.GetLength(0)}, {destination.GetLength(1)}]";
                throw new InvalidOperationException($"Engine {targets[index]}'s '{name}' is {shape}, but destinations[{index}] is {wanted}; pass arrays of the engines' shapes, or use Pull.");
            }

            return null;
        }, static _ => true);
        client.Submit(new PullRequest(name, TypeName(typeof(TArray))), targets, result);
        return result.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Splits <paramref name="values"/> into one contiguous block per target (ipyparallel's dist='b':
    /// the first <c>n % targets</c> blocks get one item more) and stores block i as <paramref name="name"/> on target i.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The variable's name on every target.</param>
    /// <param name="values">The items.</param>
    public void ScatterSync<T>(string name, T[] values) => ScatterAsync(name, values).GetAwaiter().GetResult();

    /// <inheritdoc cref="ScatterSync{T}(string, T[])"/>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The variable's name on every target.</param>
    /// <param name="values">The items.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when every target has stored its block.</returns>
    public Task ScatterAsync<T>(string name, T[] values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return ScatterBlocks(name, values.Length, typeof(T[]), (lo, count) => Payload.FromSlice(values, lo, count), cancellationToken);
    }

    /// <summary>Splits the rows of <paramref name="values"/> into one contiguous block per target (dist='b') and stores block i as <paramref name="name"/> on target i.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The variable's name on every target.</param>
    /// <param name="values">The matrix; its first dimension is split.</param>
    public void ScatterSync<T>(string name, T[,] values) => ScatterAsync(name, values).GetAwaiter().GetResult();

    /// <inheritdoc cref="ScatterSync{T}(string, T[,])"/>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="name">The variable's name on every target.</param>
    /// <param name="values">The matrix; its first dimension is split.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when every target has stored its block.</returns>
    public Task ScatterAsync<T>(string name, T[,] values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        return ScatterBlocks(name, values.GetLength(0), typeof(T[,]), (lo, rows) => Payload.FromRows(values, lo, rows), cancellationToken);
    }

    /// <summary>
    /// Reads variable <paramref name="name"/> from every target and joins the blocks along the first
    /// dimension, in target order: the inverse of Scatter. <typeparamref name="TArray"/> is <c>T[]</c> or <c>T[,]</c>.
    /// </summary>
    /// <typeparam name="TArray">The array type every target holds, e.g. <c>double[]</c> or <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <returns>The joined array.</returns>
    public TArray GatherSync<TArray>(string name) where TArray : class => GatherAsync<TArray>(name).GetAwaiter().GetResult();

    /// <inheritdoc cref="GatherSync{TArray}(string)"/>
    /// <typeparam name="TArray">The array type every target holds, e.g. <c>double[]</c> or <c>double[,]</c>.</typeparam>
    /// <param name="name">The variable's name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<TArray> GatherAsync<TArray>(string name, CancellationToken cancellationToken = default) where TArray : class
    {
        if (!typeof(TArray).IsArray || typeof(TArray).GetArrayRank() > 2)
        {
            throw new ArgumentException($"Gather joins arrays along their first dimension: use T[] or T[,], not {typeof(TArray)}.", nameof(TArray));
        }

        if (typeof(TArray).GetElementType()!.IsPrimitive && await GatherInPlaceAsync(name, typeof(TArray), cancellationToken).ConfigureAwait(false) is { } joined)
        {
            return (TArray)(object)joined;
        }

        var blocks = await PullAsync<TArray>(name, cancellationToken).ConfigureAwait(false);
        return (TArray)(object)Join(name, blocks.Cast<Array>().ToArray(), typeof(TArray));
    }

    /// <summary>
    /// Gathers arrays of primitives by copying each engine's block from its reply straight into one
    /// array allocated up front (the engines say their blocks' shapes first): no block arrays and no
    /// second copy to join them. Null when a block is not an array object there (the caller then
    /// pulls and joins).
    /// </summary>
    private async Task<Array?> GatherInPlaceAsync(string name, Type arrayType, CancellationToken cancellationToken)
    {
        var shapes = await SubmitCore<long[]>(new EngineCall(BuiltinStubs.Shape, MemoryPackSerializer.Serialize(name), BuiltinStubs.AssemblyPath), cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        var rank = arrayType.GetArrayRank();
        var columns = rank == 2 && shapes.Length > 0 ? shapes[0][1] : 1;
        var element = arrayType.GetElementType()!;
        var elementSize = System.Runtime.InteropServices.Marshal.SizeOf(element);
        var rows = shapes.Sum(s => s[0]);
        if (shapes.Any(s => s[0] < 0 || s[1] != columns) || rows * columns * elementSize > int.MaxValue)
        {
            return null;
        }

        var joined = rank == 1 ? Array.CreateInstance(element, rows) : Array.CreateInstance(element, rows, columns);
        unsafe
        {
            fixed (byte* start = &System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(joined))
            {
                PageFaults.PrepareArray(start, (nuint)(rows * columns * elementSize));
            }
        }

        var starts = new long[shapes.Length];
        for (var i = 1; i < shapes.Length; i++)
        {
            starts[i] = starts[i - 1] + (shapes[i - 1][0] * columns * elementSize);
        }

        var result = new AsyncResult<Array>(targets, cancellationToken, (index, data) =>
        {
            var (blockRows, blockColumns, header) = LargeArrays.ReadShape(data, rank) ?? (-1, -1, 0);
            if (blockRows != shapes[index][0] || blockColumns != columns || data.Length - header != blockRows * columns * elementSize)
            {
                throw new InvalidOperationException($"Engine {targets[index]}'s '{name}' changed shape while it was gathered ({shapes[index][0]}x{columns} before, {blockRows}x{blockColumns} now); gather it again.");
            }

            data[header..].CopyTo(System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(joined), checked((int)(rows * columns * elementSize)))[(int)starts[index]..]);
            return null;
        }, _ => joined);
        client.Submit(new PullRequest(name, TypeName(arrayType)), targets, result);
        return await result.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Array Join(string name, Array[] blocks, Type arrayType)
    {
        var element = arrayType.GetElementType()!;
        if (arrayType.GetArrayRank() == 1)
        {
            var joined = Array.CreateInstance(element, blocks.Sum(b => (long)b.Length));
            long at = 0;
            foreach (var block in blocks)
            {
                Array.Copy(block, 0, joined, at, block.Length);
                at += block.Length;
            }

            return joined;
        }

        var columns = blocks.Length == 0 ? 0 : blocks[0].GetLength(1);
        if (blocks.FirstOrDefault(b => b.GetLength(1) != columns) is { } odd)
        {
            throw new InvalidOperationException($"The blocks of '{name}' have {columns} and {odd.GetLength(1)} columns; Gather joins rows of equal width only.");
        }

        var matrix = Array.CreateInstance(element, blocks.Sum(b => b.GetLength(0)), columns);
        long offset = 0;
        foreach (var block in blocks)
        {
            Array.Copy(block, 0, matrix, offset, block.Length);
            offset += block.Length;
        }

        return matrix;
    }

    /// <summary>ipyparallel's block partition: the first <c>n % parts</c> blocks get one item more.</summary>
    internal static (int Offset, int Count) Partition(int n, int parts, int index)
    {
        var size = n / parts;
        var remainder = n % parts;
        var offset = (index * size) + Math.Min(index, remainder);
        return (offset, size + (index < remainder ? 1 : 0));
    }

    private Task ScatterBlocks(string name, int n, Type arrayType, Func<int, int, Payload> block, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var perTarget = new IReadOnlyList<NamedValue>[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            var (offset, count) = Partition(n, targets.Length, i);
            perTarget[i] = [new NamedValue(name, TypeName(arrayType), block(offset, count))];
        }
        return client.Push(targets, perTarget, cancellationToken).WaitAsync(cancellationToken);
    }

    private AsyncResult<T[]> PullResult<T>(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Payload.RefuseLossy(typeof(T));
        var result = new AsyncResult<T[]>(targets, cancellationToken, static data => LargeArrays.Deserialize<T>(data), static parts => [.. parts.Select(p => (T)p!)]);
        client.Submit(new PullRequest(name, TypeName(typeof(T))), targets, result);
        return result;
    }

    internal AsyncResult<T[]> SubmitCore<T>(EngineCall call, CancellationToken cancellationToken)
    {
        var result = new AsyncResult<T[]>(targets, cancellationToken, static data => LargeArrays.Deserialize<T>(data), static parts => [.. parts.Select(p => (T)p!)]);
        SendCall(result, call);
        return result;
    }

    internal AsyncResult SubmitCore(EngineCall call, CancellationToken cancellationToken)
    {
        var result = AsyncResult.ForAction(targets, cancellationToken);
        SendCall(result, call);
        return result;
    }

    internal AsyncResult<TOut[]> SubmitMapCore<TIn, TOut>(string dispatchId, string assemblyPath, IEnumerable<TIn> items, Func<TIn[], byte[]> encodeBlock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(encodeBlock);
        var all = items as TIn[] ?? [.. items];
        var result = new AsyncResult<TOut[]>(targets, cancellationToken, static data => MemoryPackSerializer.Deserialize<TOut[]>(data) ?? [], static parts => [.. parts.SelectMany(p => (TOut[])p!)]);

        // Each engine gets its own block, so each is a call of its own; cancelling the map cancels them all.
        var parts = new AsyncResult?[targets.Length];
        result.StopWith(() =>
        {
            foreach (var part in parts)
            {
                part?.Cancel();
            }
        });
        for (var i = 0; i < targets.Length; i++)
        {
            var (offset, count) = Partition(all.Length, targets.Length, i);
            var arguments = encodeBlock(all.AsSpan(offset, count).ToArray());
            var view = new DirectView(client, [targets[i]]);
            var part = new AsyncResult<byte[]>([targets[i]], default, static data => data.ToArray(), static parts => (byte[])parts[0]!);
            parts[i] = part;
            view.SendCall(part, new EngineCall(dispatchId, arguments, assemblyPath));
            var index = i;
            part.OnFinished(() =>
            {
                if (part.IsSuccessful)
                {
                    result.Answered(index, new EngineReply(part.Metadata[0].Started!.Value, part.Metadata[0].Completed!.Value, part.Stdout[0], part.Stderr[0], null), part.Get());
                }
                else
                {
                    try
                    {
                        part.Get();
                    }
                    catch (Exception ex)
                    {
                        result.Fail(index, ex);
                    }
                }
            });
        }

        if (result.IsCancelRequested)
        {
            // Cancelled while the blocks were being sent: the later ones too.
            foreach (var part in parts)
            {
                part?.Cancel();
            }
        }

        return result;
    }

    internal void SendCall(AsyncResult result, EngineCall call)
    {
        Check(call);
        result.CancelsWork();
        client.Submit(new ApplyRequest(call.DispatchId, call.AssemblyPath, call.Arguments ?? [], DispatchAssemblies.Mvid(call.AssemblyPath)), targets, result);
    }

    /// <summary>Refuses a call engines could not run, before anything is sent.</summary>
    internal static void Check(EngineCall call)
    {
        ArgumentException.ThrowIfNullOrEmpty(call.DispatchId);
        if (string.IsNullOrEmpty(call.AssemblyPath))
        {
            throw new NotSupportedException(
                $"Dispatch '{call.DispatchId}' lives in an assembly that has no file (a single-file app, or an assembly loaded from bytes), and engines load dispatched code from its file. " +
                "Publish without PublishSingleFile, or keep the code that runs on engines in a library deployed as a file.");
        }
    }

    private static IReadOnlyList<NamedValue> Serialize(object variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        IEnumerable<(string Name, Type Type, object? Value)> entries = variables switch
        {
            IDictionary<string, object?> dictionary => dictionary.Select(e => (e.Key, e.Value?.GetType() ?? throw NullValue(e.Key), (object?)e.Value)),
            IEnumerable pairs when StringKeyedValueType(variables.GetType()) is { } valueType => DictionaryEntries(pairs, valueType),
            IDictionary or IEnumerable => throw new ArgumentException($"Push takes an anonymous object (new {{ a, b }}) or a dictionary with string keys, not a {variables.GetType()}.", nameof(variables)),
            _ => variables.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0)
                .Select(p => (Name: p.Name, Declared: p.PropertyType, Value: p.GetValue(variables)))
                .Select(e => (e.Name, e.Value?.GetType() ?? e.Declared, e.Value)),
        };
        var list = entries.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException($"{variables.GetType()} has no public properties to push; write v.PushSync(new {{ a, b }}).", nameof(variables));
        }

        return [.. list.Select(e => new NamedValue(e.Name, TypeName(e.Type), Payload.FromValue(e.Type, e.Value)))];
    }

    /// <summary>T when <paramref name="type"/> enumerates <c>KeyValuePair&lt;string, T&gt;</c> (any string-keyed dictionary), else null.</summary>
    private static Type? StringKeyedValueType(Type type) =>
        type.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            .Select(i => i.GetGenericArguments()[0])
            .FirstOrDefault(e => e.IsGenericType && e.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) && e.GetGenericArguments()[0] == typeof(string))
            ?.GetGenericArguments()[1];

    private static List<(string Name, Type Type, object? Value)> DictionaryEntries(IEnumerable pairs, Type valueType)
    {
        var pairType = typeof(KeyValuePair<,>).MakeGenericType(typeof(string), valueType);
        var key = pairType.GetProperty(nameof(KeyValuePair<string, object>.Key))!;
        var value = pairType.GetProperty(nameof(KeyValuePair<string, object>.Value))!;
        var entries = new List<(string, Type, object?)>();
        foreach (var pair in pairs)
        {
            var name = (string)key.GetValue(pair)!;
            var item = value.GetValue(pair);

            // A null keeps the dictionary's value type, as a null property keeps its declared type.
            entries.Add((name, item?.GetType() ?? (valueType == typeof(object) ? throw NullValue(name) : valueType), item));
        }

        return entries;
    }

    private static ArgumentNullException NullValue(string name) =>
        new(name, $"Variable '{name}' is null, so its type is unknown; push it with PushSync<T>(\"{name}\", null).");

    internal static string TypeName(Type type) => type.FullName ?? type.Name;
}
