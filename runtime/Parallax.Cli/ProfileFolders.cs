using Parallax.Engines.Transport;

namespace Parallax.Cli;

/// <summary>
/// Parallax's home (<c>~/.parallax</c>, or <c>$PARALLAX_HOME</c>) and its profile folders, each mode
/// 0700: the connection file inside holds the cluster's key. A folder that exists with wider rights
/// is narrowed (which only its owner can do), never used as it is.
/// </summary>
internal static class ProfileFolders
{
    /// <summary>The detached daemon's log, inside the profile's folder.</summary>
    public const string LogFileName = "cluster.log";

    private const string LockFileName = "daemon.lock";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Makes sure Parallax's home and the folder of <paramref name="profile"/> exist, 0700; returns the profile's folder.</summary>
    /// <exception cref="UnauthorizedAccessException">A folder exists with rights for others and belongs to someone else.</exception>
    public static string Ensure(string profile)
    {
        var folder = ClusterProfile.FolderOf(profile);
        Private(ClusterProfile.Home);
        Private(folder);
        return folder;
    }

    /// <summary>Takes the profile's start lock, held while the daemon lives; null when another daemon holds it.</summary>
    public static FileStream? TryLock(string folder)
    {
        try
        {
            // FileShare.None is an exclusive flock on Unix, which the kernel drops when the process ends.
            return new FileStream(Path.Combine(folder, LockFileName), new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Private(string path)
    {
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnly);
        }

        if ((File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }
}
