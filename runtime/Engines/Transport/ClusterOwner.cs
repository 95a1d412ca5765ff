using System.Globalization;

namespace Parallax.Engines.Transport;

/// <summary>
/// Which process a cluster's files belong to. Engines remove a dead client's files as they exit, but when
/// the engines die with it (kill -9 of a process group, the kernel's OOM killer) nothing is left to do
/// it: the next <c>Cluster.StartAsync</c> on the machine removes the socket folder and the
/// shared-memory folder of every cluster whose owner process is gone. A process is named by its pid,
/// its start time (pids are reused) and its pid namespace (a process in another one is invisible here,
/// so its clusters are never judged). Linux only; elsewhere nothing is recorded or removed.
/// </summary>
internal static class ClusterOwner
{
    public const string FileName = "owner.txt";

    /// <summary>Records this process as the owner of the cluster whose socket folder is <paramref name="folder"/>.</summary>
    public static void Write(string folder)
    {
        if (Identity(Environment.ProcessId) is { } self)
        {
            using var stream = new FileStream(Path.Combine(folder, FileName), OwnerOnly.NewFile(FileAccess.Write));
            stream.Write(System.Text.Encoding.UTF8.GetBytes(self));
        }
    }

    /// <summary>Removes the folders of clusters whose owner process is gone. Never throws.</summary>
    public static void RemoveStale()
    {
        if (PidNamespace() is not { } here)
        {
            return;
        }

        try
        {
            foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), SharedSegment.FolderPrefix + "*"))
            {
                RemoveIfStale(folder, here);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>How this process names process <paramref name="pid"/>: pid, start time in clock ticks, pid namespace; null when there is no such process.</summary>
    internal static string? Identity(int pid)
    {
        try
        {
            // The start time is field 22; the command name before it (in parentheses) may hold spaces.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var start = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
            return PidNamespace() is { } ns ? $"{pid} {start} {ns}" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static void RemoveIfStale(string folder, string here)
    {
        try
        {
            var owner = File.ReadAllText(Path.Combine(folder, FileName)).Split(' ');
            if (owner.Length != 3 || owner[2] != here || !int.TryParse(owner[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                Identity(pid) == string.Join(' ', owner))
            {
                return; // malformed, another namespace's, or alive
            }

            var clusterId = File.ReadLines(Path.Combine(folder, ConnectionInfo.FileName))
                .FirstOrDefault(l => l.StartsWith("clusterId=", StringComparison.Ordinal))?["clusterId=".Length..];
            if (clusterId is { Length: > 0 } && clusterId.All(char.IsAsciiHexDigitLower))
            {
                SharedSegment.TryDeleteFolder(SharedSegment.FolderOf(clusterId));
            }

            SharedSegment.TryDeleteFolder(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No owner file (not a cluster folder, or one of an older version), or not ours to read.
        }
    }

    private static string? PidNamespace()
    {
        try
        {
            return OperatingSystem.IsLinux() ? new FileInfo("/proc/self/ns/pid").LinkTarget : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
