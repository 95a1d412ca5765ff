using System.Globalization;
using StackExchange.Redis;

namespace Parallax.Engines.Silos;

/// <summary>
/// Where a cluster's silos keep their membership table. Without one, Orleans' localhost clustering:
/// engine 0's silo holds the table, so it starts first and the cluster does not outlive it. With
/// <c>redis://[[user]:password@]host:port</c>, a Redis server holds it (Orleans' Redis clustering):
/// silos join in any order, any of them can die and come back, and silos on other machines can join.
/// The password, when there is one, goes to Redis' AUTH; it never goes on a command line this
/// project starts (silos get the membership through <see cref="EnvironmentVariable"/>), and messages
/// print the membership through <see cref="Redacted"/>.
/// </summary>
internal static class Membership
{
    /// <summary>
    /// The environment variable a silo (and <c>parallax silo start</c>) reads the membership from when its
    /// command line has none: how a membership with a password reaches a process without showing in
    /// <c>ps</c> (a process's environment is readable by its owner only).
    /// </summary>
    public const string EnvironmentVariable = "PARALLAX_MEMBERSHIP";

    private const string RedisScheme = "redis://";

    /// <summary>Checks <paramref name="membership"/> and returns Redis' connection options for it.</summary>
    /// <exception cref="ArgumentException">It is not <c>redis://[[user]:password@]host:port</c>.</exception>
    public static ConfigurationOptions RedisOptions(string membership)
    {
        var (host, port, user, password) = Parse(membership);
        var options = new ConfigurationOptions { AbortOnConnectFail = false, User = user, Password = password };
        options.EndPoints.Add(host, port);
        return options;
    }

    /// <summary>Checks <paramref name="membership"/> (<see cref="RedisOptions"/>) and returns it unchanged.</summary>
    /// <exception cref="ArgumentException">It is not <c>redis://[[user]:password@]host:port</c>.</exception>
    public static string Checked(string membership)
    {
        _ = Parse(membership);
        return membership;
    }

    /// <summary>The membership as messages and logs may show it: the password replaced by <c>***</c>.</summary>
    public static string Redacted(string membership)
    {
        var at = membership.LastIndexOf('@');
        return at < 0 || !membership.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase)
            ? membership
            : membership[RedisScheme.Length..at] is var credentials && credentials.IndexOf(':') is var colon and >= 0
                ? $"{RedisScheme}{credentials[..colon]}:***@{membership[(at + 1)..]}"
                : $"{RedisScheme}***@{membership[(at + 1)..]}";
    }

    private static (string Host, int Port, string? User, string? Password) Parse(string membership)
    {
        if (membership.StartsWith(RedisScheme, StringComparison.OrdinalIgnoreCase))
        {
            var rest = membership[RedisScheme.Length..].TrimEnd('/');
            string? user = null, password = null;
            var at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                var credentials = rest[..at];
                rest = rest[(at + 1)..];
                var colon = credentials.IndexOf(':');
                (user, password) = colon < 0 ? (null, "") : (credentials[..colon], Uri.UnescapeDataString(credentials[(colon + 1)..]));
                user = string.IsNullOrEmpty(user) ? null : Uri.UnescapeDataString(user);
            }

            // A password is after a colon (redis://:password@ or redis://user:password@), never empty.
            var colonAt = rest.LastIndexOf(':');
            if (colonAt > 0 && (password is null || password.Length > 0) &&
                int.TryParse(rest.AsSpan(colonAt + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            {
                return (rest[..colonAt].Trim('[', ']'), port, user, password);
            }
        }

        throw new ArgumentException(
            $"The membership '{Redacted(membership)}' is not a Redis server's address: write redis://host:port, e.g. redis://10.0.0.5:6379, or redis://:password@host:port for a server that requires a password.",
            nameof(membership));
    }
}
