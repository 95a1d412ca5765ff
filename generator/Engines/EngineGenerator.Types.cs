namespace Parallax.Generator.Engines;

public sealed partial class EngineGenerator
{
    /// <summary>
    /// What can travel to and from an engine, decided at build time the way MemoryPack 1.21 decides
    /// it at run time, so that a value it would reject is a build error instead of an engine fault.
    /// </summary>
    internal static class Types
    {
        /// <summary>The type display used in generated code: fully qualified, nullable annotations kept (interceptor signatures must match).</summary>
        public static readonly SymbolDisplayFormat Format = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        // Generic types MemoryPack has built-in formatters for; their type arguments are checked in turn.
        private static readonly string[] Containers =
        {
            "System.Nullable`1", "System.Lazy`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.ArraySegment`1",
            "System.Collections.Generic.List`1", "System.Collections.Generic.Dictionary`2", "System.Collections.Generic.HashSet`1",
            "System.Collections.Generic.Queue`1", "System.Collections.Generic.Stack`1", "System.Collections.Generic.LinkedList`1",
            "System.Collections.Generic.SortedSet`1", "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2",
            "System.Collections.Generic.PriorityQueue`2", "System.Collections.Generic.KeyValuePair`2",
            "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.ICollection`1", "System.Collections.Generic.IReadOnlyCollection`1",
            "System.Collections.Generic.IList`1", "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IDictionary`2",
            "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.ISet`1", "System.Collections.Generic.IReadOnlySet`1",
            "System.Linq.ILookup`2", "System.Linq.IGrouping`2",
            "System.Collections.Concurrent.ConcurrentDictionary`2", "System.Collections.Concurrent.ConcurrentQueue`1",
            "System.Collections.Concurrent.ConcurrentStack`1", "System.Collections.Concurrent.ConcurrentBag`1",
            "System.Collections.ObjectModel.ReadOnlyCollection`1", "System.Collections.ObjectModel.ObservableCollection`1",
            "System.Collections.Immutable.ImmutableArray`1", "System.Collections.Immutable.ImmutableList`1",
            "System.Collections.Immutable.ImmutableDictionary`2", "System.Collections.Immutable.ImmutableHashSet`1",
            "System.Collections.Immutable.ImmutableSortedDictionary`2", "System.Collections.Immutable.ImmutableSortedSet`1",
            "System.Collections.Immutable.ImmutableQueue`1", "System.Collections.Immutable.ImmutableStack`1",
            "System.Tuple`1", "System.Tuple`2", "System.Tuple`3", "System.Tuple`4", "System.Tuple`5", "System.Tuple`6", "System.Tuple`7",
            "System.ValueTuple`1", "System.ValueTuple`2", "System.ValueTuple`3", "System.ValueTuple`4", "System.ValueTuple`5",
            "System.ValueTuple`6", "System.ValueTuple`7", "System.ValueTuple`8",
        };

        // Reference or managed types MemoryPack serializes without a generated formatter.
        private static readonly string[] WellKnown =
        {
            "System.Uri", "System.Version", "System.Text.StringBuilder", "System.Collections.BitArray", "System.Type",
            "System.Globalization.CultureInfo", "System.TimeZoneInfo",
        };

        /// <summary>Returns null when <paramref name="type"/> can be serialized, else the reason it cannot.</summary>
        public static string? WhyNotSerializable(ITypeSymbol type) => WhyNot(type, 0);

        private static string? WhyNot(ITypeSymbol type, int depth)
        {
            if (depth > 16)
            {
                return "it nests too deeply to check";
            }

            switch (type)
            {
                case IErrorTypeSymbol:
                    return null; // the compiler reports it
                case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                    return "a pointer is an address in this process";
                case IDynamicTypeSymbol:
                    return "dynamic has no type known at build time";
                case ITypeParameterSymbol:
                    return "a generic type parameter has no concrete type at build time";
                case IArrayTypeSymbol array:
                    return WhyNot(array.ElementType, depth + 1);
            }

            if (type.TypeKind == TypeKind.Delegate)
            {
                return "a delegate is code in this process, not data";
            }

            if (type.IsRefLikeType)
            {
                return "a ref struct (Span-like) cannot be stored or serialized";
            }

            if (type.IsAnonymousType)
            {
                return "an anonymous type has no name the engine can deserialize to";
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_Object:
                    return "object has no concrete type known at build time";
                case SpecialType.System_String:
                case SpecialType.System_Decimal:
                case SpecialType.System_DateTime:
                    return null;
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                return null;
            }

            if (type is not INamedTypeSymbol named)
            {
                return "MemoryPack cannot serialize it";
            }

            if (named.HasAttribute("MemoryPack.MemoryPackableAttribute") || named.HasAttribute("MemoryPack.MemoryPackUnionAttribute"))
            {
                return null;
            }

            var original = named.OriginalDefinition;
            string metadataName = MetadataName(original);
            if (named.IsGenericType && System.Array.IndexOf(Containers, metadataName) >= 0)
            {
                foreach (var argument in named.TypeArguments)
                {
                    if (WhyNot(argument, depth + 1) is { } reason)
                    {
                        return reason;
                    }
                }

                return null;
            }

            if (System.Array.IndexOf(WellKnown, metadataName) >= 0)
            {
                return null;
            }

            // MemoryPack 1.21.4's BigInteger formatter writes the unused end of its scratch buffer instead of the
            // number's bytes, so every value arrives as 0 (found by the runtime tests): refuse it rather than corrupt it.
            if (metadataName == "System.Numerics.BigInteger")
            {
                return "MemoryPack 1.21.4 deserializes every BigInteger as 0; send value.ToByteArray() and rebuild it on the other side with new BigInteger(bytes)";
            }

            // MemoryPack copies structs without references as raw memory (primitives, Guid, TimeSpan, user structs).
            if (named.IsValueType && named.IsUnmanagedType)
            {
                return null;
            }

            if (named.TypeKind == TypeKind.Interface)
            {
                return "an interface has no concrete type known at build time";
            }

            if (IsStream(named))
            {
                return "a stream is a handle to a resource in this process";
            }

            return "MemoryPack has no formatter for it; declare it [MemoryPackable] partial (or use arrays, collections, tuples, primitives, strings)";
        }

        private static bool IsStream(INamedTypeSymbol type)
        {
            for (var t = type; t is not null; t = t.BaseType)
            {
                if (MetadataName(t) == "System.IO.Stream")
                {
                    return true;
                }
            }

            return false;
        }

        public static string MetadataName(INamedTypeSymbol type)
        {
            var ns = type.ContainingNamespace;
            string prefix = type.ContainingType is { } outer
                ? MetadataName(outer) + "+"
                : ns is null || ns.IsGlobalNamespace ? string.Empty : ns.ToDisplayString() + ".";
            return prefix + type.MetadataName;
        }

        /// <summary>
        /// Returns null when generated code in the same assembly can name <paramref name="symbol"/>, else
        /// a phrase saying why not ("private", "a local function"...).
        /// </summary>
        public static string? WhyNotAccessible(ISymbol symbol)
        {
            switch (symbol)
            {
                case ITypeParameterSymbol:
                    return "a generic type parameter";
                case IMethodSymbol { MethodKind: MethodKind.LocalFunction }:
                    return "a local function";
                case IArrayTypeSymbol array:
                    return WhyNotAccessible(array.ElementType);
                case IPointerTypeSymbol pointer:
                    return WhyNotAccessible(pointer.PointedAtType);
                case INamedTypeSymbol { IsFileLocal: true }:
                    return "a file-local type";
                case INamedTypeSymbol { IsAnonymousType: true }:
                    return null;
            }

            for (var s = symbol; s is not null && s is not INamespaceSymbol; s = s.ContainingSymbol)
            {
                switch (s.DeclaredAccessibility)
                {
                    case Accessibility.Private:
                        return "private";
                    case Accessibility.Protected:
                    case Accessibility.ProtectedAndInternal:
                        return "protected";
                }

                if (s is INamedTypeSymbol { IsFileLocal: true })
                {
                    return "declared in a file-local type";
                }
            }

            // A member of Outer<T>, or a type nested in it, cannot be named without T.
            for (var type = symbol as INamedTypeSymbol ?? symbol.ContainingType; type is not null; type = type.ContainingType)
            {
                foreach (var argument in type.TypeArguments)
                {
                    if (WhyNotAccessible(argument) is { } reason)
                    {
                        return reason;
                    }
                }
            }

            return null;
        }
    }
}
