using System.Runtime.InteropServices;

namespace Parallax.Engines.Transport;

/// <summary>
/// Files and folders only this user can open: the connection file holds the cluster's HMAC key, and
/// sockets and shared-memory segments carry its data. Created with the mode set, never chmod-ed after.
/// </summary>
internal static partial class OwnerOnly
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

    /// <summary>
    /// Creates a new folder (mode 0700) and fails if anything has the name already. The folders live in
    /// world-writable places (/tmp, /dev/shm): a folder someone else made first, and could read or fill,
    /// must never be taken for ours, and Directory.CreateDirectory accepts one that exists.
    /// </summary>
    /// <exception cref="IOException">Something already has the name.</exception>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (Mkdir(path, 0b111_000_000) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException(errno == Eexist
                ? $"'{path}' exists already, and Parallax makes its folders itself (another process took the name); start again for a new random name."
                : $"Could not create the folder '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
    }

    private const int Eexist = 17; // the same on Linux and macOS

    [LibraryImport("libc", EntryPoint = "mkdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Mkdir(string path, uint mode);

    /// <summary>A bound socket file gets the umask's mode; the folder is 0700 already, this is the second lock.</summary>
    public static void Restrict(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
