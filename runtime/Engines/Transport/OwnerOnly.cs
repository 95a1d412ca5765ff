namespace Parallax.Engines;

/// <summary>
/// Files and folders only this user can open: the connection file holds the cluster's HMAC key, and
/// sockets and shared-memory segments carry its data. Created with the mode set, never chmod-ed after.
/// </summary>
internal static class OwnerOnly
{
    public static FileStreamOptions NewFile(FileAccess access)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = access, Share = FileShare.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A bound socket file gets the umask's mode; the folder is 0700 already, this is the second lock.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
