using MemoryPack;

using Parallax.Engines.Transport;

namespace Parallax.Engines.Host;

/// <summary>
/// One engine's variables. A pushed value stays as the bytes that arrived (inline, or a slice of a
/// shared-memory segment every engine maps) until code asks for it with a type; a value set by
/// engine code stays an object and is serialized only when a client pulls it.
/// </summary>
internal sealed class EngineNamespace(int engineId, SegmentMac mac)
{
    private static EngineNamespace? current;

    private readonly Dictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private ScriptCache? scripts;

    public int EngineId { get; } = engineId;

    /// <summary>The code strings compiled against this namespace (Execute); created on the first one.</summary>
    public ScriptCache Scripts => LazyInitializer.EnsureInitialized(ref scripts, () => new ScriptCache(this));

    public static EngineNamespace? CurrentOrNull => current;

    public static EngineNamespace Current => current ?? throw new InvalidOperationException(
        "Engine.Get/Set/Contains/Remove/Id work only in code that runs on an engine (a lambda or [ParallelEngine] method passed to a view's Apply, ApplySync, ApplyAsync or Map). " +
        "On the client, use the view instead: view.Push(...) / view.Pull<T>(name).");

    public static void Install(EngineNamespace ns) => current = ns;

    public T Get<T>(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
            if (!slots.TryGetValue(name, out var slot))
            {
                throw new KeyNotFoundException($"Engine {EngineId} has no variable '{name}'. Push it from the client first (view.Push(new {{ {name} }}) or view[\"{name}\"] = value), or set it with Engine.Set(\"{name}\", value).");
            }

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
            slot.Segment?.Release();
            slots[name] = Slot.ForObject(value);
            return value!;
        }
    }

    public void Set<T>(string name, T value)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (gate)
        {
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
            Replace(name, new Slot(false, null, null, typeName, bytes, segment) { PendingTag = tag });
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

            slot.Segment?.Release();
            return true;
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

    /// <summary>The serialized value of <paramref name="name"/>, checked against the type the client will read it as.</summary>
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
                return Payload.FromBytes(slot.Bytes);
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
            old.Segment?.Release();
        }

        slots[name] = slot;
    }

    private InvalidCastException WrongType(string name, string actual, Type requested) => WrongType(name, actual, requested.FullName ?? requested.Name);

    private InvalidCastException WrongType(string name, string actual, string requested) => new(
        $"Engine {EngineId}'s variable '{name}' holds a {actual}, not a {requested}: read it with that type, or push/set it as {requested}.");

    private sealed record Slot(bool IsObject, object? Value, Type? Type, string TypeName, ReadOnlyMemory<byte> Bytes, SharedSegment? Segment)
    {
        /// <summary>The tag still to check before the bytes are used; null once checked or for inline bytes (covered by the frame's HMAC).</summary>
        public byte[]? PendingTag { get; set; }

        public static Slot ForObject<T>(T value) =>
            new(true, value, typeof(T), typeof(T).FullName ?? typeof(T).Name, default, null);
    }
}
