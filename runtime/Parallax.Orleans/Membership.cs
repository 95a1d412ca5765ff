namespace Parallax.Engines.Silos;

/// <summary>
/// Where a cluster's silos keep their membership table. Without one, Orleans' localhost clustering:
/// engine 0's silo holds the table, so it starts first and the cluster does not outlive it. With
/// <c>redis://host:port</c>, a Redis server holds it (Orleans' Redis clustering): silos join in any
/// order, any of them can die and come back, and silos on other machines can join.
/// </summary>
internal static class Membership
{
    private const string RedisScheme = "redis://";

    /// <summary>Checks <paramref name="membership"/> and returns the Redis endpoint (<c>host:port</c>) it names.</summary>
    /// <exception cref="ArgumentException">It is not <c>redis://host:port</c>.</exception>
    public static string RedisEndpoint(string membership)
    {
        if (membership.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase) &&
            membership[RedisScheme.Length..].TrimEnd('/') is { Length: > 0 } endpoint &&
            endpoint.LastIndexOf(':') is var colon and > 0 &&
            int.TryParse(endpoint.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return endpoint;
        }

        throw new ArgumentException($"The membership '{membership}' is not a Redis server's address: write redis://host:port, e.g. redis://10.0.0.5:6379.", nameof(membership));
    }
}
