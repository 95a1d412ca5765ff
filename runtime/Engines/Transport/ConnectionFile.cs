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
        var text = new StringBuilder()
            .Append("key=").Append(Convert.ToBase64String(Key)).Append('\n')
            .Append("directory=").Append(Directory).Append('\n')
            .Append("maxFrameBytes=").Append(MaxFrameBytes.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("sharedMemoryThreshold=").Append(SharedMemoryThreshold.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("clusterId=").Append(ClusterId).Append('\n')
            .Append("pollingTicks=").Append(Polling.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .ToString();
        using (var stream = new FileStream(path, OwnerOnly.NewFile(FileAccess.Write)))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }

        return path;
    }

    public static ConnectionInfo Read(string path)
    {
        var values = File.ReadAllLines(path)
            .Where(line => line.Contains('='))
            .ToDictionary(line => line[..line.IndexOf('=')], line => line[(line.IndexOf('=') + 1)..], StringComparer.Ordinal);
        string Value(string name) => values.TryGetValue(name, out var v)
            ? v
            : throw new InvalidDataException($"Connection file '{path}' has no '{name}' line; it was not written by this version of Parallax.");
        return new ConnectionInfo(
            Convert.FromBase64String(Value("key")),
            Value("directory"),
            int.Parse(Value("maxFrameBytes"), CultureInfo.InvariantCulture),
            int.Parse(Value("sharedMemoryThreshold"), CultureInfo.InvariantCulture),
            Value("clusterId"),
            TimeSpan.FromTicks(long.Parse(Value("pollingTicks"), CultureInfo.InvariantCulture)));
    }
}
