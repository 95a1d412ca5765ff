using Microsoft.CodeAnalysis.Operations;

namespace Parallax.Generator.Threads;

public sealed partial class ThreadRaceAnalyzer
{
    /// <summary>A write PAR3001 reports: what is written, why other threads share it, and how to fix it.</summary>
    internal sealed record SharedWrite(string Kind, string Name, string Why, string Fix)
    {
        /// <summary>One report per written member (or array) and entry method.</summary>
        public string Key => Kind + " " + Name;
    }

    /// <summary>
    /// Where a value (an object, an array, a struct's contents) may have come from outside the thread:
    /// <paramref name="Of"/> names it when written directly ("the object in parameter 'counter'"),
    /// <paramref name="From"/> when reached through fields or elements ("parameter 'counter'").
    /// </summary>
    private sealed record Origin(string Of, string From, string Explanation, bool Direct = true)
    {
        public Origin Reached => Direct ? this with { Direct = false } : this;
    }

    /// <summary>
    /// Decides which storage one entry method shares with other threads. Shared storage is a static
    /// (not [ThreadStatic], not const), a field, auto-property or field-like event of a shared
    /// object, or an element of a shared array. A shared object is one reached (through fields,
    /// properties, array elements, ref locals and local copies) from a static, from a reference-type
    /// parameter of the entry method (the factory captures its arguments, and a caller may hand the
    /// same object to several threads), from <c>this</c> in a class's [Thread] method, from a
    /// reference field of a struct's <c>this</c> (each thread's copy still refers to the original's
    /// objects), or from a field of a [Thread] class's own object that the class did not fill with a
    /// new object. Not shared: locals, value-type parameters, objects the entry method creates, a
    /// struct's own fields, the [Thread] class's own fields, and an array element whose index depends
    /// on a value-type parameter (or a value field of the thread's own object): the usual way to give
    /// each thread its own part of one array.
    /// </summary>
    private sealed class SharedState
    {
        private const string NoSync = "without lock or Interlocked";

        private readonly IMethodSymbol _method;
        private readonly Entry _kind;
        private readonly CancellationToken _ct;
        private readonly Dictionary<ILocalSymbol, List<IOperation>> _values = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, List<IOperation>> _starts = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, List<IOperation>> _refs = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, Origin> _outside = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ILocalSymbol> _perThread = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, bool> _ownedByThread = new(SymbolEqualityComparer.Default);

        public SharedState(IMethodSymbol method, Entry kind, ImmutableArray<IOperation> blocks, CancellationToken ct)
        {
            _method = method;
            _kind = kind;
            _ct = ct;
            foreach (var operation in blocks.SelectMany(b => b.DescendantsAndSelf()))
            {
                CollectLocalSources(operation);
            }

            Propagate();
        }

        /// <summary>The report for a write to <paramref name="target"/>, or null when that storage is not shared.</summary>
        /// <param name="target">The written storage.</param>
        /// <param name="readModifyWrite">The operator when the write reads the old value first, else null.</param>
        public SharedWrite? Write(IOperation target, string? readModifyWrite)
        {
            if (Storage(target, readModifyWrite is not null, 0) is not { } found)
            {
                return null;
            }

            string via = found.Via is null ? "" : $"through ref local '{found.Via}' ";
            if (found.Volatile)
            {
                // A plain store to a volatile field is atomic and published; only read-modify-write races.
                return readModifyWrite is null
                    ? null
                    : new SharedWrite(
                        found.Kind,
                        found.Name,
                        $"{via}with '{readModifyWrite}', which is not atomic although the field is volatile (volatile makes each single read and write atomic, not a read-modify-write)",
                        "Use Interlocked (Add, Increment, Decrement, Exchange, CompareExchange, And, Or) or a lock.");
            }

            string fix = readModifyWrite is null
                ? "Publish the value with Volatile.Write or Interlocked.Exchange, put related writes under a lock, or give each thread its own state and combine the results after Join."
                : "Make it atomic with Interlocked (Add, Increment, CompareExchange) or a lock, or give each thread its own state and combine the results after Join.";
            return new SharedWrite(found.Kind, found.Name, via + found.Why, fix);
        }

        private sealed record Found(string Kind, string Name, string Why, bool Volatile = false, string? Via = null);

        private Found? Storage(IOperation target, bool readModifyWrite, int depth)
        {
            if (depth > 16)
            {
                return null;
            }

            switch (target)
            {
                case IFieldReferenceOperation { Field: var field } reference:
                    if (field.IsConst || IsThreadStatic(field))
                    {
                        return null;
                    }

                    var foundField = field.IsStatic
                        ? StaticWrite("static field", field)
                        : InstanceWrite("field", field, reference.Instance, readModifyWrite, depth);
                    return foundField is null ? null : foundField with { Volatile = field.IsVolatile };

                case IPropertyReferenceOperation { Property: var property, Arguments.IsEmpty: true } reference:
                    // An auto-property is a field by another name. Any other property runs code that may
                    // synchronize itself, except that no setter can make a static '+=' (a get, then a set) atomic.
                    if (!IsAutoProperty(property) && !(property.IsStatic && readModifyWrite))
                    {
                        return null;
                    }

                    return property.IsStatic
                        ? StaticWrite("static property", property)
                        : InstanceWrite("property", property, reference.Instance, readModifyWrite, depth);

                case IEventReferenceOperation { Event: var @event } reference:
                    // Only an assignment reaches here ('E = null' inside the declaring type writes the
                    // backing field); 'E += h' is an IEventAssignmentOperation, whose compiler-generated
                    // accessor is already an Interlocked.CompareExchange loop.
                    return @event.IsStatic
                        ? StaticWrite("static event", @event)
                        : InstanceWrite("event", @event, reference.Instance, readModifyWrite, depth);

                case IArrayElementReferenceOperation element:
                    return ElementWrite(element);

                case ILocalReferenceOperation { Local: { IsRef: true } local }:
                    foreach (var source in Sources(_refs, local))
                    {
                        if (Storage(source, readModifyWrite, depth + 1) is { } through)
                        {
                            return through with { Via = through.Via ?? local.Name };
                        }
                    }

                    return null;

                default:
                    // Locals, parameters (passed by value), a struct's own 'this', results of calls.
                    return null;
            }
        }

        private static Found StaticWrite(string kind, ISymbol member) =>
            new(kind, Name(member), NoSync + " (a static is shared by every thread)");

        private Found? InstanceWrite(string kind, ISymbol member, IOperation? instance, bool readModifyWrite, int depth)
        {
            if (instance is null)
            {
                return null;
            }

            if (instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                // A struct's this is the thread's own copy; a [Thread] class's this is the thread's own object.
                return _kind == Entry.Method
                    ? new Found(kind, Name(member), $"of 'this' {NoSync} (every thread made from one object through its factory shares that object's fields)")
                    : null;
            }

            if (instance.Type is { IsValueType: true })
            {
                // A field of a struct lives wherever the struct lives: writing it writes that storage.
                return Storage(instance, readModifyWrite, depth + 1);
            }

            return Outside(instance, 0) is { } origin
                ? new Found(kind, Name(member), (origin.Direct ? $"of {origin.Of} " : $"of an object reached from {origin.From} ") + NoSync + " (" + origin.Explanation + ")")
                : null;
        }

        private Found? ElementWrite(IArrayElementReferenceOperation element)
        {
            if (Outside(element.ArrayReference, 0) is not { } origin || element.Indices.Any(DependsOnPerThreadValue))
            {
                return null;
            }

            var (holder, name) = element.ArrayReference switch
            {
                IFieldReferenceOperation f => (f.Field.IsStatic ? "static field" : "field", Name(f.Field)),
                IPropertyReferenceOperation p => (p.Property.IsStatic ? "static property" : "property", Name(p.Property)),
                IParameterReferenceOperation p => ("parameter", p.Parameter.Name),
                ILocalReferenceOperation l => ("local", l.Local.Name),
                var other => ("array", other.Syntax.ToString()),
            };
            string reached = origin.Direct || holder == "local" ? "" : $"(reached from {origin.From}) ";
            return new Found(
                "an element of " + holder,
                name,
                $"{reached}{NoSync} ({origin.Explanation}, and no index depends on a value-type parameter, so threads can write the same element)");
        }

        /// <summary>
        /// Whether the value of <paramref name="operation"/> (an object, an array, a struct's contents)
        /// may also be reachable by other threads, and from where; null when it is the thread's own.
        /// </summary>
        private Origin? Outside(IOperation? operation, int depth)
        {
            _ct.ThrowIfCancellationRequested();
            if (operation is null || depth > 16)
            {
                return null;
            }

            switch (operation)
            {
                case IConversionOperation conversion:
                    return Outside(conversion.Operand, depth + 1);
                case IParameterReferenceOperation { Parameter: var parameter }
                    when SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _method):
                    return new Origin(
                        $"the object in parameter '{parameter.Name}'",
                        $"parameter '{parameter.Name}'",
                        "the factory hands the argument to the thread, and every thread started with the same object shares it");
                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                    return _kind == Entry.Method ? new Origin("'this'", "'this'", "every thread made from one object through its factory shares it") : null;
                case IFieldReferenceOperation f:
                    return Member(f.Field, f.Instance, depth);
                case IPropertyReferenceOperation p:
                    // ThreadLocal<T>.Value and AsyncLocal<T>.Value are per thread (or flow) by design.
                    return IsPerThreadValue(p.Property) ? null : Member(p.Property, p.Instance, depth);
                case IEventReferenceOperation e:
                    return Member(e.Event, e.Instance, depth);
                case IArrayElementReferenceOperation element:
                    return Outside(element.ArrayReference, depth + 1)?.Reached;
                case ILocalReferenceOperation { Local: var local }:
                    if (local.IsRef)
                    {
                        return Sources(_refs, local).Select(s => Outside(s, depth + 1)).FirstOrDefault(o => o is not null);
                    }

                    return _outside.TryGetValue(local, out var origin) ? origin : null;
                case IConditionalOperation conditional:
                    return Outside(conditional.WhenTrue, depth + 1) ?? Outside(conditional.WhenFalse, depth + 1);
                case ICoalesceOperation coalesce:
                    return Outside(coalesce.Value, depth + 1) ?? Outside(coalesce.WhenNull, depth + 1);
                case IConditionalAccessOperation access:
                    return Outside(access.WhenNotNull, depth + 1);
                case IConditionalAccessInstanceOperation instance:
                    return Outside(Receiver(instance), depth + 1);
                case ICoalesceAssignmentOperation coalesceAssignment:
                    return Outside(coalesceAssignment.Target, depth + 1) ?? Outside(coalesceAssignment.Value, depth + 1);
                case ISimpleAssignmentOperation assignment:
                    return Outside(assignment.Value, depth + 1);
                default:
                    // Object and array creation, calls, literals: the thread's own, or not followed.
                    return null;
            }
        }

        private Origin? Member(ISymbol member, IOperation? instance, int depth)
        {
            if (member.IsStatic)
            {
                if (member is IFieldSymbol field && (field.IsConst || IsThreadStatic(field)))
                {
                    return null;
                }

                string kind = member is IFieldSymbol ? "static field" : member is IEventSymbol ? "static event" : "static property";
                return new Origin($"the object in {kind} '{Name(member)}'", $"{kind} '{Name(member)}'", "a static is shared by every thread");
            }

            if (instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                if (_kind == Entry.Method)
                {
                    return new Origin("'this'", "'this'", "every thread made from one object through its factory shares it", Direct: false);
                }

                string why = _kind == Entry.StructMethod
                    ? "the thread's copy of the struct still refers to the same objects as the original"
                    : "the thread object was given that object rather than creating it, so other threads may hold it too";
                return _kind == Entry.ClassRun && OwnedByThread(member) ? null : new Origin($"the object in field '{Name(member)}'", $"field '{Name(member)}'", why);
            }

            return Outside(instance, depth + 1)?.Reached;
        }

        /// <summary>
        /// Whether an array index can differ from one thread to the next: it reads a value-type
        /// parameter of the entry method, a value field of the thread's own object or struct copy,
        /// or a local computed from one (<c>for (int i = start; ...)</c>).
        /// </summary>
        private bool DependsOnPerThreadValue(IOperation index) =>
            index.DescendantsAndSelf().Any(o => o switch
            {
                IParameterReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Parameter.ContainingSymbol, _method) && p.Parameter.Type.IsValueType,
                ILocalReferenceOperation l => _perThread.Contains(l.Local),
                IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field.Type.IsValueType: true } => _kind != Entry.Method,
                IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property.Type.IsValueType: true } => _kind != Entry.Method,
                _ => false,
            });

        private void CollectLocalSources(IOperation operation)
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when declarator.GetVariableInitializer() is { Value: var value }:
                    Add(declarator.Symbol.IsRef ? _refs : _values, declarator.Symbol, value, start: true);
                    break;
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var local } } assignment:
                    Add(assignment.IsRef ? _refs : _values, local, assignment.Value, start: true);
                    break;
                case ICompoundAssignmentOperation { Target: ILocalReferenceOperation { Local: var local } } compound:
                    // 'i += step' keeps i's start; it still may bring in an outside object ('s += ...').
                    Add(_values, local, compound.Value, start: false);
                    break;
                case ICoalesceAssignmentOperation { Target: ILocalReferenceOperation { Local: var local } } coalesce:
                    Add(_values, local, coalesce.Value, start: false);
                    break;
                case IDeconstructionAssignmentOperation deconstruction:
                    foreach (var target in Flatten(deconstruction.Target).OfType<ILocalReferenceOperation>())
                    {
                        Add(_values, target.Local, deconstruction.Value, start: true);
                    }

                    break;
                case IForEachLoopOperation loop:
                    foreach (var local in DeclaredLocals(loop.LoopControlVariable))
                    {
                        Add(_values, local, loop.Collection, start: true);
                    }

                    break;
                case IIsPatternOperation pattern:
                    AddPatternLocals(pattern.Pattern, pattern.Value);
                    break;
                case ISwitchExpressionOperation @switch:
                    foreach (var arm in @switch.Arms)
                    {
                        AddPatternLocals(arm.Pattern, @switch.Value);
                    }

                    break;
                case IPatternCaseClauseOperation clause when clause.Parent?.Parent is ISwitchOperation statement:
                    AddPatternLocals(clause.Pattern, statement.Value);
                    break;
            }
        }

        private void AddPatternLocals(IPatternOperation pattern, IOperation value)
        {
            foreach (var local in pattern.DescendantsAndSelf().Select(DeclaredSymbol).OfType<ILocalSymbol>())
            {
                Add(_values, local, value, start: true);
            }
        }

        private static ISymbol? DeclaredSymbol(IOperation pattern) => pattern switch
        {
            IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
            IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
            IListPatternOperation list => list.DeclaredSymbol,
            _ => null,
        };

        private static IEnumerable<ILocalSymbol> DeclaredLocals(IOperation variable) =>
            variable.DescendantsAndSelf().Select(o => o switch
            {
                IVariableDeclaratorOperation declarator => declarator.Symbol,
                ILocalReferenceOperation reference => reference.Local,
                _ => null,
            }).OfType<ILocalSymbol>();

        private void Add(Dictionary<ILocalSymbol, List<IOperation>> map, ILocalSymbol local, IOperation value, bool start)
        {
            Append(map, local, value);
            if (start && !ReferenceEquals(map, _refs))
            {
                Append(_starts, local, value);
            }
        }

        private static void Append(Dictionary<ILocalSymbol, List<IOperation>> map, ILocalSymbol local, IOperation value)
        {
            if (!map.TryGetValue(local, out var list))
            {
                map[local] = list = [];
            }

            list.Add(value);
        }

        private static IEnumerable<IOperation> Sources(Dictionary<ILocalSymbol, List<IOperation>> map, ILocalSymbol local) =>
            map.TryGetValue(local, out var list) ? list : [];

        /// <summary>
        /// Flow-insensitive: a local holds an outside object if any value ever assigned to it does,
        /// and is per-thread if any value it starts from is. Repeated until nothing changes, so chains
        /// of copies (<c>var a = counter; var b = a;</c>) resolve in any order.
        /// </summary>
        private void Propagate()
        {
            bool changed = true;
            for (int round = 0; changed && round <= _values.Count + 1; round++)
            {
                changed = false;
                foreach (var pair in _values)
                {
                    if (!_outside.ContainsKey(pair.Key) && pair.Value.Select(v => Outside(v, 0)).FirstOrDefault(o => o is not null) is { } origin)
                    {
                        _outside[pair.Key] = origin;
                        changed = true;
                    }
                }

                foreach (var pair in _starts)
                {
                    if (!_perThread.Contains(pair.Key) && pair.Value.Any(DependsOnPerThreadValue))
                    {
                        _perThread.Add(pair.Key);
                        changed = true;
                    }
                }
            }
        }

        private static IOperation? Receiver(IConditionalAccessInstanceOperation instance)
        {
            for (var parent = instance.Parent; parent is not null; parent = parent.Parent)
            {
                if (parent is IConditionalAccessOperation access && access.WhenNotNull.DescendantsAndSelf().Contains(instance))
                {
                    return access.Operation;
                }
            }

            return null;
        }

        /// <summary>
        /// Whether a reference field (or auto-property) of a [Thread] class holds an object the class
        /// made itself: every assignment to it in the class, its initializer included, is a
        /// <c>new</c>, an array creation or a collection expression. Read from syntax, by name.
        /// </summary>
        private bool OwnedByThread(ISymbol member)
        {
            if (_ownedByThread.TryGetValue(member, out bool owned))
            {
                return owned;
            }

            var sources = new List<ExpressionSyntax>();
            bool other = false;
            foreach (var reference in member.DeclaringSyntaxReferences)
            {
                switch (reference.GetSyntax(_ct))
                {
                    case VariableDeclaratorSyntax { Initializer.Value: var value }:
                        sources.Add(value);
                        break;
                    case PropertyDeclarationSyntax { Initializer.Value: var value }:
                        sources.Add(value);
                        break;
                }
            }

            foreach (var type in member.ContainingType.DeclaringSyntaxReferences)
            {
                foreach (var node in type.GetSyntax(_ct).DescendantNodes())
                {
                    switch (node)
                    {
                        case AssignmentExpressionSyntax assignment when Names(assignment.Left, member.Name):
                            if (assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || assignment.IsKind(SyntaxKind.CoalesceAssignmentExpression))
                            {
                                sources.Add(assignment.Right);
                            }
                            else
                            {
                                other = true;
                            }

                            break;
                        case ArgumentSyntax { RefKindKeyword.RawKind: not (int)SyntaxKind.None } argument when Names(argument.Expression, member.Name):
                            other = true;
                            break;
                    }
                }
            }

            owned = !other && sources.Count > 0 && sources.All(IsCreation);
            _ownedByThread[member] = owned;
            return owned;
        }

        private static bool Names(ExpressionSyntax expression, string name) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText == name,
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var member } => member.Identifier.ValueText == name,
            _ => false,
        };

        private static bool IsCreation(ExpressionSyntax expression) => expression switch
        {
            ParenthesizedExpressionSyntax parenthesized => IsCreation(parenthesized.Expression),
            BaseObjectCreationExpressionSyntax or ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax => true,
            _ => false,
        };

        private static bool IsAutoProperty(IPropertySymbol property) =>
            property.ContainingType.GetMembers().OfType<IFieldSymbol>().Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

        private static bool IsThreadStatic(IFieldSymbol field) =>
            field.HasAttribute("System.ThreadStaticAttribute");

        private static bool IsPerThreadValue(IPropertySymbol property) =>
            property.Name == "Value"
            && property.ContainingType is { Name: "ThreadLocal" or "AsyncLocal", Arity: 1 } type
            && type.ContainingNamespace?.ToDisplayString() == "System.Threading";

        private static string Name(ISymbol member) => member.ContainingType.Name + "." + member.Name;
    }
}
