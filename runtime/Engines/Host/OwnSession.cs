using System.Runtime.InteropServices;

namespace Parallax.Engines.Host;

/// <summary>
/// An engine leaves its client's session, as ipyparallel's launcher starts each engine
/// (<c>start_new_session=True</c>). Linux schedules each session as one group (autogroup, on by default):
/// left in the client's, three engines and their client share one program's part of a busy machine
/// while each of ipyparallel's engines gets a whole one; the seed's Dot cell took 3x ipyparallel's at
/// load 50 for that alone (docs/engines.md). It also keeps a Ctrl+C in the client's terminal for the
/// client: engines then stop through the client's disposal or the parent watchdog, never mid-reply.
/// </summary>
internal static partial class OwnSession
{
    /// <summary>Makes this process the leader of a new session; quietly nothing where that is not possible (not Linux, or a group leader already).</summary>
    public static void Enter()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetSid();
        }
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();
}
