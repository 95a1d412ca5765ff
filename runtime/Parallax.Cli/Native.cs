using System.Runtime.InteropServices;

namespace Parallax.Cli;

/// <summary>The few POSIX calls the tool needs that .NET does not offer: a session of its own, signals by number, and redirecting the console to a file.</summary>
internal static partial class Native
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    /// <summary>Leaves the terminal's session, so closing the terminal (SIGHUP) or Ctrl+C there never reaches the daemon.</summary>
    [LibraryImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static partial int SetSid();

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>.</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    /// <summary>Points the process's stdout and stderr (fds 1 and 2, which the runtime and Console write to) at <paramref name="file"/>.</summary>
    public static void RedirectConsole(FileStream file)
    {
        var fd = (int)file.SafeFileHandle.DangerousGetHandle();
        if (Dup2(fd, 1) < 0 || Dup2(fd, 2) < 0)
        {
            throw new IOException($"Could not redirect the console to '{file.Name}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }
    }
}
