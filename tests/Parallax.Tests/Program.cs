namespace Parallax.Tests;

/// <summary>
/// The test assembly's entry point, in place of the empty one Microsoft.NET.Test.Sdk generates. The
/// test host never calls it; <see cref="Jit.InstructionSetTests"/> starts this assembly as a child
/// process with <see cref="Jit.KernelTestRunner.Argument"/> under restricted instruction sets.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) =>
        args is [Jit.KernelTestRunner.Argument] ? Jit.KernelTestRunner.Run(Console.Out) : 0;
}
