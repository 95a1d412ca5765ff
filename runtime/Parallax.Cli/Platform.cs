// Standing clusters run on Linux and macOS (Unix sockets, flock, setsid); Program refuses Windows before any command runs.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
