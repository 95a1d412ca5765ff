using System.Globalization;
using System.Runtime.CompilerServices;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// The <c>orleans</c> backend of standing-cluster profiles: <c>Client.ConnectAsync(profile)</c> on a
/// profile whose <c>backend</c> is <c>orleans</c> connects through <see cref="OrleansEngines"/>. Its
/// fields: <c>cluster</c> (Orleans' cluster id), <c>gateways</c> (the silos' gateway ports on this
/// machine, comma-separated; absent with <c>membership</c>, whose table lists them), <c>credentials</c>
/// (the cluster's certificate file, 0600) and <c>membership</c> (<see cref="Membership"/>). A profile
/// without a daemon (<see cref="ClusterProfile.NoDaemon"/>, written by <c>parallax cluster start --cluster</c>)
/// points at silos started on their machines with <c>parallax silo start</c>, and its engine count is
/// found as the client connects.
/// </summary>
internal sealed class OrleansBackend : IEnginesBackend
{
    /// <summary>The value of a profile's <c>backend</c> field for silos.</summary>
    public const string BackendName = "orleans";

    /// <summary>How long connecting waits for the gateways and every engine.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMinutes(1);

    public string Name => BackendName;

    public async Task<IEngines> ConnectAsync(ClusterProfile profile, CancellationToken cancellationToken)
    {
        if (profile.HasDaemon && !profile.IsRunning)
        {
            throw StandingLocalBackend.NotRunning(profile.Name, $"the process that started its silos ({profile.Daemon}) is gone");
        }

        return await OrleansEngines.ConnectAsync(Info(profile), ConnectTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a client needs to connect, read from a profile's fields.</summary>
    public static SiloClusterInfo Info(ClusterProfile profile) => new(
        profile.Value("cluster"),
        [.. profile.Fields.GetValueOrDefault("gateways", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))],
        profile.Value("credentials"),
        profile.EngineCount,
        profile.Fields.GetValueOrDefault("membership"));

    /// <summary>The fields of a profile for <paramref name="info"/>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Fields(SiloClusterInfo info) =>
    [
        new("cluster", info.ClusterId),
        .. info.GatewayPorts.Length > 0 ? [new KeyValuePair<string, string>("gateways", string.Join(",", info.GatewayPorts.Select(p => p.ToString(CultureInfo.InvariantCulture))))] : Array.Empty<KeyValuePair<string, string>>(),
        new("credentials", info.CredentialsPath),
        .. info.Membership is { } membership ? [new KeyValuePair<string, string>("membership", membership)] : Array.Empty<KeyValuePair<string, string>>(),
    ];

    /// <summary>Makes the backend known to <c>Client.ConnectAsync</c> as soon as this assembly loads.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "A backend registers itself when its assembly loads; EngineBackends loads it by name for a profile that asks for it.")]
    internal static void Register() => EngineBackends.Register(new OrleansBackend());
}
