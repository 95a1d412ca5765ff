namespace Parallax.Tests;

/// <summary>
/// The test assembly's entry point, in place of the empty one Microsoft.NET.Test.Sdk generates. The
/// test host never calls it; tests start this assembly as a child process: <see cref="Jit.InstructionSetTests"/>
/// with <see cref="Jit.KernelTestRunner.Argument"/> under restricted instruction sets, and
/// <see cref="Engines.ClientDeathTests"/> with <see cref="Engines.ClientDeathTests.Argument"/> as a client to kill,
/// <see cref="Engines.StandingClusterTests"/> with <see cref="Engines.StandingClusterTests.ClientArgument"/> as a connected client to kill,
/// <see cref="Engines.ReliabilityTests"/> with <see cref="Engines.ReliabilityTests.DisposeDuringPushArgument"/> as a client that may crash.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class Program
{
    public static int Main(string[] args) => args switch
    {
        [Jit.KernelTestRunner.Argument] => Jit.KernelTestRunner.Run(Console.Out),
        [Engines.ClientDeathTests.Argument, var pidFile] => Engines.ClientDeathTests.RunClient(pidFile),
        [Engines.StandingClusterTests.ClientArgument, var profile, var ready] => Engines.StandingClusterTests.RunClient(profile, ready),
        [Engines.ReliabilityTests.DisposeDuringPushArgument] => Engines.ReliabilityTests.RunDisposeDuringPush(),
        _ => 0,
    };
}
