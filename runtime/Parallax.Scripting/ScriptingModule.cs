using System.Runtime.CompilerServices;
using Parallax.Engines;

namespace Parallax.Scripting;

/// <summary>Installs the Roslyn script engine when the engine host loads this assembly (its first Execute).</summary>
internal static class ScriptingModule
{
#pragma warning disable CA2255 // This assembly is loaded only by the engine host, which runs this initializer on purpose.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install() => ScriptHost.Install(new RoslynScriptEngine());
}
