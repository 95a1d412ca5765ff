using System.Reflection;
using System.Reflection.Emit;
using Parallax.CompilerServices;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>
/// The engines' layers, checked over the Parallax assembly's signatures and method bodies (IL), so that a
/// dependency the namespaces let through (code in Parallax.Engines.Transport sees every type of
/// Parallax and Parallax.Engines without a using) still fails a test: the transport knows nothing of
/// the client API nor of the engine host, the host nothing of the client, and the client API reaches
/// engines through the seam only.
/// </summary>
public class LayeringTests
{
    private const string TransportNamespace = "Parallax.Engines.Transport";
    private const string HostNamespace = "Parallax.Engines.Host";

    private static readonly Assembly ParallaxAssembly = typeof(Client).Assembly;

    /// <summary>What the transport may use outside its namespace: the failures it reports, the counters it feeds, the page-fault helper.</summary>
    private static readonly Type[] TransportMayUse = [typeof(EngineDiedException), typeof(EngineRestartedException), typeof(RemoteException), typeof(EngineTelemetry), typeof(PageFaults)];

    /// <summary>
    /// What the engine host may use outside the host and the transport: the invoker table generated code fills, the ids of
    /// Parallax's own stubs, how a build of a dispatched assembly is named, and the matrix views (with their lifetime) its
    /// namespace hands out over shared memory.
    /// </summary>
    private static readonly Type[] HostMayUse =
    [
        typeof(EngineDispatch), typeof(EngineInvoker), typeof(BuiltinStubs), typeof(PageFaults), typeof(DispatchAssemblies),
        typeof(ReadOnlyMatrixSpan<>), typeof(MatrixSpan<>), typeof(ViewLifetime),
    ];

    /// <summary>The client API: what a user holds.</summary>
    private static readonly Type[] ClientApi = [typeof(Client), typeof(DirectView), typeof(EngineView), typeof(AsyncResult), typeof(AsyncResult<>)];

    /// <summary>The seam: the only transport types the client API may name (with the serialization helpers both sides share).</summary>
    private static readonly Type[] Seam =
    [
        typeof(IEngines), typeof(IEngineConnection), typeof(IReplySink), typeof(ISentRequest), typeof(EngineReply), typeof(RequestKind),
        typeof(EngineRequest), typeof(ApplyRequest), typeof(PushRequest), typeof(PullRequest), typeof(PingRequest), typeof(NamedValue),
        typeof(Payload), typeof(LargeArrays), typeof(EngineBackends),
    ];

    [Fact]
    public void Transport_references_nothing_of_the_client_API_nor_of_the_engine_host()
    {
        var outside = TypesIn(TransportNamespace)
            .SelectMany(type => References(type).Select(to => (From: type, To: to)))
            .Where(r => r.To.Namespace != TransportNamespace && !TransportMayUse.Contains(r.To))
            .Select(Describe)
            .Distinct()
            .ToArray();
        Assert.True(outside.Length == 0, "Transport types use types outside the transport:\n" + string.Join("\n", outside));
    }

    [Fact]
    public void Engine_host_references_nothing_of_the_client()
    {
        var outside = TypesIn(HostNamespace)
            .SelectMany(type => References(type).Select(to => (From: type, To: to)))
            .Where(r => r.To.Namespace is not (HostNamespace or TransportNamespace) && !HostMayUse.Contains(r.To))
            .Select(Describe)
            .Distinct()
            .ToArray();
        Assert.True(outside.Length == 0, "Host types use types outside the host and the transport:\n" + string.Join("\n", outside));
    }

    [Fact]
    public void Client_API_reaches_engines_through_the_seam_only_and_never_names_Cluster()
    {
        var wrong = ClientApi
            .SelectMany(type => References(type).Select(to => (From: type, To: to)))
            .Where(r => r.To == typeof(Cluster) || r.To.Namespace == HostNamespace || (r.To.Namespace == TransportNamespace && !Seam.Contains(r.To)))
            .Select(Describe)
            .Distinct()
            .ToArray();
        Assert.True(wrong.Length == 0, "The client API uses more than the seam:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_reference_scan_sees_method_bodies_and_signatures()
    {
        // Guards the guard: a scanner that found nothing would pass every rule above.
        Assert.Contains(typeof(EngineConnection), References(typeof(LocalEngines))); // a field, a body
        Assert.Contains(typeof(IEngines), References(typeof(Client)));               // a field
        Assert.Contains(typeof(PullRequest), References(typeof(DirectView)));        // only in bodies
        Assert.Contains(typeof(ReplyMeta), References(typeof(EngineConnection)));    // a generic argument in a body
        Assert.Contains(typeof(LocalEngines), References(typeof(Cluster)));
    }

    private static string Describe((Type From, Type To) reference) => $"{reference.From.FullName} -> {reference.To.FullName}";

    private static IEnumerable<Type> TypesIn(string ns) => ParallaxAssembly.GetTypes().Where(t => t.Namespace == ns);

    /// <summary>Every Parallax type that <paramref name="type"/> names in its signatures or in the IL of its methods (nested types, lambdas among them, included), generic definitions for constructed types.</summary>
    private static HashSet<Type> References(Type type)
    {
        var found = new HashSet<Type>();
        foreach (var t in Nested(type))
        {
            Add(found, t.BaseType);
            foreach (var i in t.GetInterfaces())
            {
                Add(found, i);
            }

            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in t.GetFields(all))
            {
                Add(found, field.FieldType);
            }

            foreach (var property in t.GetProperties(all))
            {
                Add(found, property.PropertyType);
            }

            foreach (var method in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
            {
                if (method is MethodInfo info)
                {
                    Add(found, info.ReturnType);
                }

                foreach (var parameter in method.GetParameters())
                {
                    Add(found, parameter.ParameterType);
                }

                foreach (var member in BodyReferences(method))
                {
                    switch (member)
                    {
                        case Type referenced:
                            Add(found, referenced);
                            break;
                        case FieldInfo field:
                            Add(found, field.DeclaringType);
                            Add(found, field.FieldType);
                            break;
                        case MethodBase called:
                            Add(found, called.DeclaringType);
                            if (called is MethodInfo calledInfo)
                            {
                                Add(found, calledInfo.ReturnType);
                                foreach (var argument in calledInfo.IsGenericMethod ? calledInfo.GetGenericArguments() : [])
                                {
                                    Add(found, argument);
                                }
                            }

                            foreach (var parameter in called.GetParameters())
                            {
                                Add(found, parameter.ParameterType);
                            }

                            break;
                    }
                }
            }
        }

        found.ExceptWith(Nested(type));
        return found;
    }

    private static IEnumerable<Type> Nested(Type type) => type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).SelectMany(Nested).Prepend(type);

    private static void Add(HashSet<Type> found, Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            return;
        }

        if (type.HasElementType)
        {
            Add(found, type.GetElementType());
            return;
        }

        if (type.IsConstructedGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                Add(found, argument);
            }

            type = type.GetGenericTypeDefinition();
        }

        // Top-level types the compiler emits for collection expressions and constant data belong to no layer.
        var outermost = type;
        while (outermost.DeclaringType is { } declaring)
        {
            outermost = declaring;
        }

        if (type.Assembly == ParallaxAssembly && !outermost.Name.StartsWith('<'))
        {
            found.Add(type);
        }
    }

    /// <summary>The members and types a method's IL names (calls, field accesses, type tokens).</summary>
    private static IEnumerable<MemberInfo> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var code = il[at] == 0xFE ? TwoByte[il[at + 1]] : OneByte[il[at]];
            at += code.Size;
            var operand = OperandSize(code.OperandType, il, at);
            if (code.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, at);
                MemberInfo? member;
                try
                {
                    member = method.Module.ResolveMember(token, typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    member = null;
                }

                if (member is not null)
                {
                    yield return member;
                }
            }

            at += operand;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static readonly (OpCode[] OneByte, OpCode[] TwoByte) Codes = OpCodeTables();

    private static OpCode[] OneByte => Codes.OneByte;

    private static OpCode[] TwoByte => Codes.TwoByte;

    private static (OpCode[], OpCode[]) OpCodeTables()
    {
        var (one, two) = (new OpCode[256], new OpCode[256]);
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            if (code.Size == 1)
            {
                one[(byte)code.Value] = code;
            }
            else
            {
                two[(byte)(code.Value & 0xFF)] = code;
            }
        }

        return (one, two);
    }
}
