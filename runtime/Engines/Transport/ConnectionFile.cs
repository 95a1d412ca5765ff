using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Parallax.Engines.Transport;

/// <summary>
/// What an engine needs to serve a cluster: the HMAC key, where to listen, and the frame limits.
/// Written by the client in the cluster's 0700 folder with mode 0600, so only this user can read the
/// key. Plain <c>name=value</c> lines: an engine reads it in microseconds, without a JSON stack to start.
/// </summary>
internal sealed record ConnectionInfo(byte[] Key, string Directory, int MaxFrameBytes, int SharedMemoryThreshold, string ClusterId, TimeSpan Polling)
{
    public const string FileName = "connection.txt";

    /// <summary>Tags and checks bytes in shared memory, keyed from <see cref="Key"/>.</summary>
    public SegmentMac SegmentMac { get; } = new(Key);

    public string SocketPath(int engineId) => Path.Combine(Directory, $"engine-{engineId}.sock");

    /// <summary>The cluster's private shared-memory folder (<see cref="SharedSegment"/>), made by the client.</summary>
    public string SegmentFolder => SharedSegment.FolderOf(ClusterId);

    public static ConnectionInfo CreateNew(string directory, int maxFrameBytes, int sharedMemoryThreshold, TimeSpan polling = default) =>
        new(RandomNumberGenerator.GetBytes(32), directory, maxFrameBytes, sharedMemoryThreshold, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), polling);

    public string Write()
    {
        var path = Path.Combine(Directory, FileName);
        var text = new StringBuilder();
        foreach (var (name, value) in ToFields())
        {
            text.Append(name).Append('=').Append(value).Append('\n');
        }

        using (var stream = new FileStream(path, OwnerOnly.NewFile(FileAccess.Write)))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }

        return path;
    }

    /// <summary>The settings as name=value fields: the lines of the connection file, and a standing cluster's profile.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToFields() =>
    [
        new("key", Convert.ToBase64String(Key)),
        new("directory", Directory),
        new("maxFrameBytes", MaxFrameBytes.ToString(CultureInfo.InvariantCulture)),
        new("sharedMemoryThreshold", SharedMemoryThreshold.ToString(CultureInfo.InvariantCulture)),
        new("clusterId", ClusterId),
        new("pollingTicks", Polling.Ticks.ToString(CultureInfo.InvariantCulture)),
    ];

    public static ConnectionInfo Read(string path) => FromFields(
        File.ReadAllLines(path)
            .Where(line => line.Contains('='))
            .ToDictionary(line => line[..line.IndexOf('=')], line => line[(line.IndexOf('=') + 1)..], StringComparer.Ordinal),
        path);

    /// <summary>Reads the settings from name=value fields (<see cref="ToFields"/>); <paramref name="source"/> names the file for messages.</summary>
    public static ConnectionInfo FromFields(IReadOnlyDictionary<string, string> values, string source)
    {
        string Value(string name) => values.TryGetValue(name, out var v)
            ? v
            : throw new InvalidDataException($"Connection file '{source}' has no '{name}' line; it was not written by this version of Parallax.");
        return new ConnectionInfo(
            Convert.FromBase64String(Value("key")),
            Value("directory"),
            int.Parse(Value("maxFrameBytes"), CultureInfo.InvariantCulture),
            int.Parse(Value("sharedMemoryThreshold"), CultureInfo.InvariantCulture),
            Value("clusterId"),
            TimeSpan.FromTicks(long.Parse(Value("pollingTicks"), CultureInfo.InvariantCulture)));
    }
}
