using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Parallax.Engines.Transport;

/// <summary>
/// A client's claim on the shared-memory segments it writes into a standing cluster's folder. Many
/// clients come and go while the engines stay; a client killed with -9 cannot remove its push
/// segments, and the engines that map them do not know when the last value in one is gone. So each
/// connected client holds an exclusive <c>flock</c> on <c>client-&lt;id&gt;.lock</c> in the segment
/// folder for as long as it lives, and names its segments <c>push-&lt;id&gt;-…</c> and
/// <c>call-&lt;id&gt;-…</c>. The kernel drops the lock when the process ends, however it ends: whoever
/// outlives the client (the cluster's daemon, every second) finds the lock free and removes the
/// client's files (<see cref="SweepDead"/>). Removing a name never hurts an engine that still maps
/// the segment: the pages live until the last mapping goes. No pid is involved, so a reused pid or
/// another pid namespace cannot make a live client look dead.
/// </summary>
internal sealed partial class ClientLease : IDisposable
{
    private const string Prefix = "client-";
    private const string LockSuffix = ".lock";
    private const string NewSuffix = ".new";
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    private readonly FileStream file;
    private readonly string path;

    private ClientLease(string id, string path, FileStream file)
    {
        Id = id;
        this.path = path;
        this.file = file;
    }

    /// <summary>Gets the id this client's segment names carry.</summary>
    public string Id { get; }

    /// <summary>Gets the name prefix of this client's push segments.</summary>
    public string PushTag => $"push-{Id}";

    /// <summary>Gets the name prefix of this client's call-argument segments.</summary>
    public string CallTag => $"call-{Id}";

    /// <summary>Takes a new lease in the cluster's segment <paramref name="folder"/>.</summary>
    /// <exception cref="IOException">The folder is gone (the cluster stopped) or the lock cannot be taken.</exception>
    public static ClientLease Take(string folder)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var final = Path.Combine(folder, Prefix + id + LockSuffix);

        // Locked under a name the sweep skips, then renamed: the sweep never sees the file unlocked.
        var fresh = final + NewSuffix;
        var file = new FileStream(fresh, OwnerOnly.NewFile(FileAccess.ReadWrite));
        try
        {
            if (Flock(file.SafeFileHandle, LockExclusive | LockNonBlocking) != 0)
            {
                throw new IOException($"Could not lock '{fresh}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
            }

            File.Move(fresh, final);
        }
        catch
        {
            file.Dispose();
            SharedSegment.TryDelete(fresh);
            throw;
        }

        return new ClientLease(id, final, file);
    }

    /// <summary>Removes every file of clients in <paramref name="folder"/> whose process has ended. Never throws.</summary>
    /// <returns>How many dead clients' files were removed.</returns>
    public static int SweepDead(string folder)
    {
        var swept = 0;
        try
        {
            foreach (var lockFile in Directory.EnumerateFiles(folder, Prefix + "*" + LockSuffix))
            {
                var id = Path.GetFileName(lockFile)[Prefix.Length..^LockSuffix.Length];
                if (IsFree(lockFile))
                {
                    foreach (var tag in (string[])["push", "call"])
                    {
                        foreach (var file in Directory.EnumerateFiles(folder, $"{tag}-{id}-*"))
                        {
                            SharedSegment.TryDelete(file);
                        }
                    }

                    SharedSegment.TryDelete(lockFile);
                    swept++;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder is gone: the cluster is stopping.
        }

        return swept;
    }

    /// <summary>Ends the lease; the caller has removed its segments already.</summary>
    public void Dispose()
    {
        SharedSegment.TryDelete(path);
        file.Dispose();
    }

    private static bool IsFree(string lockFile)
    {
        try
        {
            // .NET may take a shared lock of its own on open; a held exclusive lock makes that fail too.
            using var probe = File.OpenHandle(lockFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Flock(probe, LockExclusive | LockNonBlocking) == 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // held (the open's own lock failed), or removed meanwhile
        }
    }

    private static int Flock(SafeFileHandle handle, int operation)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return FlockNative((int)handle.DangerousGetHandle(), operation);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int FlockNative(int fd, int operation);
}
