using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// One engine's variables. A pushed value stays as the bytes that arrived (inline, or a slice of a
/// shared-memory segment every engine maps) until code asks for it with a type; a value set by
/// engine code stays an object and is serialized only when a client pulls it; a matrix engine code
/// writes into shared memory (<see cref="CreateMatrix{T}"/>) stays there, and a pull names it.
/// <para>
/// Views (<see cref="GetMatrix{T}"/>) read pushed and written matrices where they lie. Memory a slot
/// lets go of (replaced, removed, read as an array) is released only at the end of the request in
/// which that happened (<see cref="EndRequest"/>): a view taken during a call, and a product still
/// reading it, never meet unmapped or reused memory. A view of a replaced or removed variable throws
/// at once; one of a variable read as an array stays readable until the call ends. A matrix this
/// engine wrote keeps its segment after it is read as an array, and a pull names that segment while
/// the array still holds the same elements.
/// </para>
/// </summary>
internal sealed class EngineNamespace(int engineId, SegmentMac mac, ReplySegments? segments = null, long sharedThreshold = long.MaxValue)
{
    /// <summary>Where a written matrix's elements start in its segment: a cache line, after MemoryPack's 13-byte header.</summary>
    internal const int ValueDataOffset = 64;

    private static EngineNamespace? current;

    private readonly Dictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private readonly List<(Slot Slot, string Reason)> retired = [];
    private readonly List<(Slot Slot, string Reason)> revoking = [];
    private readonly Lock gate = new();
    private ScriptCache? scripts;

    public int EngineId { get; } = engineId;

    /// <summary>The code strings compiled against this namespace (Execute); created on the first one.</summary>
    public ScriptCache Scripts => LazyInitializer.EnsureInitialized(ref scripts, () => new ScriptCache(this));

    public static EngineNamespace? CurrentOrNull => current;

    public static EngineNamespace Current => current ?? throw new InvalidOperationException(
        "Engine.Get/Set/Contains/Remove/Id work only in code that runs on an engine (a lambda or [ParallelEngine] method passed to a view's Apply, ApplySync, ApplyAsync or Map). " +
        "On the client, use the view instead: view.PushSync(...) / view.PullSync<T>(name).");

    public static void Install(EngineNamespace ns) => current = ns;

    public T Get<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            var slot = Find(name);
            if (slot.IsObject)
            {
                return slot.Value is T typed || (slot.Value is null && default(T) is null)
                    ? (T)slot.Value!
                    : throw WrongType(name, slot.TypeName, typeof(T));
            }

            if (slot.TypeName != typeof(T).FullName)
            {
                throw WrongType(name, slot.TypeName, typeof(T));
            }

            Verify(name, slot);

            var value = LargeArrays.Deserialize<T>(slot.Bytes.Span);

            // Deserialized once: later Gets return the same object, as in Python, and edits to it stay.
            // Views taken before stay readable until the call ends.
            var reason = $"'{name}' was read as a {typeof(T)} (Engine.Get) and the call that did so ended";
            var read = Slot.ForObject(value);
            slots[name] = read;
            if (slot.Kind == SlotKind.Written)
            {
                // A matrix this engine wrote keeps its segment beside the array while the array holds the
                // same elements, so that a pull names the segment instead of serializing the array into a
                // new one: a code string that only reads c (Execute("print(c)") declares c as an array)
                // then costs the pull nothing more. Its views stop when the call ends all the same.
                read.Origin = slot;
                revoking.Add((slot, reason));
            }
            else
            {
                Retire(slot, reason, revokeNow: false);
            }

            return value!;
        }
    }

    /// <summary>
    /// A read-only view of the matrix <paramref name="name"/> holds, with no copy: of a pushed
    /// <c>T[,]</c> where it lies in shared memory (checked against its tag on the first read), of one
    /// engine code wrote into shared memory, or of a <c>T[,]</c> object. A small push that came inline
    /// is read into an array first (once), and the view shows that array.
    /// </summary>
    public ReadOnlyMatrixSpan<T> GetMatrix<T>(string name) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            var slot = Find(name);
            if (slot.IsObject)
            {
                return slot.Value is T[,] array ? new ReadOnlyMatrixSpan<T>(array) : throw WrongType(name, slot.TypeName, typeof(T[,]));
            }

            if (slot.TypeName != typeof(T[,]).FullName)
            {
                throw WrongType(name, slot.TypeName, typeof(T[,]));
            }

            if (slot.Segment is null)
            {
                return new ReadOnlyMatrixSpan<T>(Get<T[,]>(name));
            }

            Verify(name, slot);
            if (LargeArrays.ReadShape(slot.Bytes.Span, 2) is not var (rows, columns, header))
            {
                return default;
            }

            var elements = MemoryMarshal.Cast<byte, T>(slot.Bytes.Span[header..]);
            return new ReadOnlyMatrixSpan<T>(elements, rows, columns, Math.Max(1, columns), slot.Lifetime(EngineId, name));
        }
    }

    /// <summary>
    /// Makes <paramref name="name"/> a new <c>T[rows, columns]</c> and returns its elements to write.
    /// Large enough to go through shared memory (the cluster's threshold), it lies in a segment of this
    /// engine's that a pull names as it is (no copy on the engine); smaller, it is an array.
    /// </summary>
    /// <param name="name">The variable; its old value is replaced now.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="columns">The number of columns.</param>
    /// <param name="clear">Whether to zero reused memory (fresh memory is zero already).</param>
    public MatrixSpan<T> SetMatrix<T>(string name, int rows, int columns, bool clear) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(name);
        var created = CreateMatrix<T>(name, rows, columns, clear);
        var matrix = created.Matrix;
        Commit(created);
        return matrix;
    }

    /// <summary>A new matrix for <paramref name="name"/> that is not the variable yet: <see cref="Commit"/> makes it so, <see cref="Discard"/> drops it.</summary>
    public PendingMatrix<T> CreateMatrix<T>(string name, int rows, int columns, bool clear) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        var bytes = (long)rows * columns * Unsafe.SizeOf<T>();
        if (segments is null || bytes < sharedThreshold || ValueDataOffset + bytes > Payload.MaxSize)
        {
            var array = new T[rows, columns];
            return new PendingMatrix<T>(name, Slot.ForObject(array), new MatrixSpan<T>(array));
        }

        var (segment, reused) = segments.TakeForValue(ValueDataOffset + bytes);
        var data = segment.Span.Slice(ValueDataOffset, (int)bytes);
        if (reused && clear)
        {
            data.Clear();
        }

        // MemoryPack's header of a T[,]: member count 3, both lengths, the element count.
        var header = segment.Span.Slice(ValueDataOffset - 13, 13);
        header[0] = 3;
        BitConverter.TryWriteBytes(header[1..], rows);
        BitConverter.TryWriteBytes(header[5..], columns);
        BitConverter.TryWriteBytes(header[9..], rows * columns);
        var slot = Slot.ForWritten(typeof(T[,]), segment.Memory.Slice(ValueDataOffset - 13, (int)(13 + bytes)), segment);
        return new PendingMatrix<T>(name, slot, new MatrixSpan<T>(MemoryMarshal.Cast<byte, T>(data), rows, columns, Math.Max(1, columns), slot.Lifetime(EngineId, name)));
    }

    /// <summary>Makes a matrix from <see cref="CreateMatrix{T}"/> the variable it was made for.</summary>
    public void Commit<T>(PendingMatrix<T> pending) where T : unmanaged
    {
        lock (gate)
        {
            Replace(pending.Name, pending.Slot);
        }
    }

    /// <summary>Drops a matrix from <see cref="CreateMatrix{T}"/> (what was to fill it failed); the variable keeps its value.</summary>
    public void Discard<T>(PendingMatrix<T> pending) where T : unmanaged
    {
        lock (gate)
        {
            Retire(pending.Slot, $"what was to fill '{pending.Name}' failed", revokeNow: true);
        }
    }

    public void Set<T>(string name, T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            // Setting a variable to the object it holds changes nothing (code strings store back every
            // variable they declared): the slot, and a segment it kept, stay.
            if (slots.TryGetValue(name, out var held) && held.IsObject && held.Type == typeof(T) && value is not null && ReferenceEquals(held.Value, value))
            {
                return;
            }

            Replace(name, Slot.ForObject(value));
        }
    }

    /// <summary>
    /// Stores bytes a client pushed; <paramref name="segment"/>, when given, is referenced until the value
    /// is read or replaced. Bytes from shared memory are checked against <paramref name="tag"/> (carried
    /// under the frame's HMAC) when first used, so an engine pays for checking only the values it reads.
    /// </summary>
    public void SetSerialized(string name, string typeName, ReadOnlyMemory<byte> bytes, SharedSegment? segment, byte[]? tag)
    {
        lock (gate)
        {
            segment?.AddReference();
            Replace(name, new Slot(SlotKind.Pushed, null, null, typeName, bytes, segment) { PendingTag = tag });
        }
    }

    /// <summary>The full name of the type <paramref name="name"/> was pushed or set with, without reading its value: what code strings declare it as.</summary>
    public bool TryGetTypeName(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? typeName)
    {
        lock (gate)
        {
            typeName = slots.TryGetValue(name, out var slot) ? slot.TypeName : null;
            return typeName is not null;
        }
    }

    public bool Contains(string name)
    {
        lock (gate)
        {
            return slots.ContainsKey(name);
        }
    }

    public bool Remove(string name)
    {
        lock (gate)
        {
            if (!slots.Remove(name, out var slot))
            {
                return false;
            }

            Retire(slot, $"'{name}' was removed (Engine.Remove)", revokeNow: true);
            return true;
        }
    }

    /// <summary>
    /// Ends a request: the memory of every value let go of during it is released now (its views
    /// revoked; a product still reading one releases it when it finishes), so pushed segments go back
    /// to the client (Released) and written ones to this engine's reply segments.
    /// </summary>
    public void EndRequest()
    {
        (Slot Slot, string Reason)[] ending;
        lock (gate)
        {
            foreach (var (slot, reason) in revoking)
            {
                slot.Revoke(reason);
            }

            revoking.Clear();
            if (retired.Count == 0)
            {
                return;
            }

            ending = [.. retired];
            retired.Clear();
        }

        foreach (var (slot, reason) in ending)
        {
            slot.Release(reason, segments);
        }
    }

    /// <summary>How <paramref name="name"/> is held: "object", "pushed" (bytes as they arrived) or "written" (a matrix in this engine's shared memory); null when absent. For diagnostics and tests.</summary>
    public string? KindOf(string name)
    {
        lock (gate)
        {
            return slots.TryGetValue(name, out var slot) ? slot.Kind.ToString().ToLowerInvariant() : null;
        }
    }

    /// <summary>The first two lengths of an array object (columns 1 for a vector); (-1, -1) for anything else, pushed bytes included.</summary>
    public long[] Shape(string name)
    {
        lock (gate)
        {
            if (!slots.TryGetValue(name, out var slot))
            {
                throw new KeyNotFoundException($"Engine {EngineId} has no variable '{name}' to gather. Scatter it, or set it with Engine.Set(\"{name}\", value), first.");
            }

            return slot is { IsObject: true, Value: Array { Rank: 1 or 2 } array }
                ? [array.GetLength(0), array.Rank == 2 ? array.GetLength(1) : 1]
                : [-1, -1];
        }
    }

    /// <summary>
    /// The serialized value of <paramref name="name"/>, checked against the type the client will read it
    /// as. A matrix engine code wrote into shared memory comes back as that segment's range
    /// (<see cref="Payload.Segment"/>): the reply can name it instead of copying it.
    /// </summary>
    public Payload Serialize(string name, string expectedType)
    {
        lock (gate)
        {
            if (!slots.TryGetValue(name, out var slot))
            {
                throw new KeyNotFoundException($"Engine {EngineId} has no variable '{name}' to pull. Push it or set it with Engine.Set(\"{name}\", value) first.");
            }

            if (!slot.IsObject)
            {
                if (slot.TypeName != expectedType)
                {
                    throw WrongType(name, slot.TypeName, expectedType);
                }

                Verify(name, slot);
                return slot.Kind == SlotKind.Written
                    ? Payload.InSegment(slot.Segment!, slot.Bytes)
                    : Payload.FromBytes(slot.Bytes);
            }

            if (slot.Origin is { } origin)
            {
                if (slot.TypeName == expectedType && slot.Value is Array array && Unchanged(array, origin))
                {
                    return Payload.InSegment(origin.Segment!, origin.Bytes);
                }

                slot.Origin = null;
                Retire(origin, $"'{name}' was changed after it was read as an array", revokeNow: true);
            }

            if (slot.TypeName == expectedType)
            {
                return Payload.FromValue(slot.Type!, slot.Value);
            }

            // Set as a base type (or object) but holding the type the client asks for.
            if (slot.Value?.GetType() is { } runtimeType && runtimeType.FullName == expectedType)
            {
                return Payload.FromValue(runtimeType, slot.Value);
            }

            throw WrongType(name, slot.TypeName, expectedType);
        }
    }

    /// <summary>Whether <paramref name="array"/> holds exactly the elements of the segment it was read from (a compare of both, far cheaper than writing fresh shared memory).</summary>
    private static bool Unchanged(Array array, Slot origin)
    {
        var elements = MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), Buffer.ByteLength(array));
        return LargeArrays.ReadShape(origin.Bytes.Span, array.Rank) is var (_, _, header) && origin.Bytes.Span[header..].SequenceEqual(elements);
    }

    private Slot Find(string name) => slots.TryGetValue(name, out var slot) ? slot : throw new KeyNotFoundException(
        $"Engine {EngineId} has no variable '{name}'. Push it from the client first (view.PushSync(new {{ {name} }}) or view[\"{name}\"] = value), or set it with Engine.Set(\"{name}\", value).");

    private unsafe void Verify(string name, Slot slot)
    {
        if (slot.PendingTag is not { } expected)
        {
            return;
        }

        // Pages of a pushed segment are mapped here only now: one system call instead of a fault per page.
        using (var pin = slot.Bytes.Pin())
        {
            PageFaults.Populate(pin.Pointer, (nuint)slot.Bytes.Length, write: false);
        }

        if (!mac.Check(slot.Bytes.Span, expected))
        {
            throw new System.Security.SecurityException($"Engine {EngineId}'s variable '{name}' changed in shared memory after it was pushed (its tag no longer matches the signed push); push it again.");
        }

        slot.PendingTag = null;
    }

    private void Replace(string name, Slot slot)
    {
        if (slots.Remove(name, out var old))
        {
            Retire(old, $"'{name}' was replaced (Engine.Set, a push, or a new matrix of that name)", revokeNow: true);
        }

        slots[name] = slot;
    }

    /// <summary>Queues <paramref name="slot"/>'s memory for release at the end of the request; its views stop at once when <paramref name="revokeNow"/>.</summary>
    private void Retire(Slot slot, string reason, bool revokeNow)
    {
        if (slot.Origin is { } origin)
        {
            slot.Origin = null;
            Retire(origin, reason, revokeNow);
        }

        if (slot.Segment is null)
        {
            return;
        }

        if (revokeNow)
        {
            slot.Revoke(reason);
        }

        retired.Add((slot, reason));
    }

    private InvalidCastException WrongType(string name, string actual, Type requested) => WrongType(name, actual, requested.FullName ?? requested.Name);

    private InvalidCastException WrongType(string name, string actual, string requested) => new(
        $"Engine {EngineId}'s variable '{name}' holds a {actual}, not a {requested}: read it with that type, or push/set it as {requested}.");

    internal enum SlotKind
    {
        /// <summary>An object engine code set, or a pushed value once read.</summary>
        Object,

        /// <summary>Bytes a client pushed: inline (a copy) or a slice of a pushed segment this slot holds a reference to.</summary>
        Pushed,

        /// <summary>A matrix engine code wrote into one of this engine's segments, serialized (header then elements).</summary>
        Written,
    }

    /// <summary>A variable: its value or bytes, and the memory they lie in.</summary>
    internal sealed class Slot(SlotKind kind, object? value, Type? type, string typeName, ReadOnlyMemory<byte> bytes, SharedSegment? segment)
    {
        private ViewLifetime? lifetime;

        public SlotKind Kind => kind;

        public bool IsObject => kind == SlotKind.Object;

        public object? Value => value;

        public Type? Type => type;

        public string TypeName => typeName;

        public ReadOnlyMemory<byte> Bytes => bytes;

        public SharedSegment? Segment => segment;

        /// <summary>For an array read from a matrix this engine wrote: that matrix's slot, whose segment a pull names while the array is unchanged.</summary>
        public Slot? Origin { get; set; }

        /// <summary>The tag still to check before the bytes are used; null once checked or for inline bytes (covered by the frame's HMAC).</summary>
        public byte[]? PendingTag { get; set; }

        public static Slot ForObject<T>(T value) =>
            new(SlotKind.Object, value, typeof(T), typeof(T).FullName ?? typeof(T).Name, default, null);

        public static Slot ForWritten(Type type, ReadOnlyMemory<byte> bytes, SharedSegment segment) =>
            new(SlotKind.Written, null, type, type.FullName!, bytes, segment);

        /// <summary>The life of the views of this slot's memory, made with the first view.</summary>
        public ViewLifetime Lifetime(int engineId, string name) => lifetime ??= new ViewLifetime($"engine {engineId}'s variable '{name}'");

        public void Revoke(string reason) => lifetime?.Revoke(reason);

        /// <summary>Revokes the views and lets go of the memory once no product reads it: a pushed segment's reference, or a written segment back to the pool.</summary>
        public void Release(string reason, ReplySegments? pool)
        {
            Action release = kind == SlotKind.Written ? () => pool!.ReturnValue(segment!) : segment!.Release;
            if (lifetime is null)
            {
                release();
                return;
            }

            lifetime.Revoke(reason);
            lifetime.ReleaseWhenUnused(release);
        }
    }

    /// <summary>A matrix made for a variable, written before it becomes the variable (so a product may read the variable's old value into it).</summary>
    internal readonly ref struct PendingMatrix<T>
        where T : unmanaged
    {
        internal PendingMatrix(string name, Slot slot, MatrixSpan<T> matrix)
        {
            Name = name;
            Slot = slot;
            Matrix = matrix;
        }

        public string Name { get; }

        public MatrixSpan<T> Matrix { get; }

        internal Slot Slot { get; }
    }
}
