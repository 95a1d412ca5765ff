using System.Runtime.CompilerServices;
using Parallax.Engines;
using Parallax.Engines.Host;
using Parallax.Engines.Transport;

namespace Parallax.Scripting;

/// <summary>Installs the Roslyn script compiler when the engine host loads this assembly (the first code string it compiles).</summary>
internal static class ScriptingModule
{
#pragma warning disable CA2255 // This assembly is loaded only by the engine host, which runs this initializer on purpose.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Install() => ScriptHost.Install(new RoslynScriptCompiler());
}
