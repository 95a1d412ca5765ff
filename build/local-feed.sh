# Sourced by build/pack-and-consume.sh and build/package-sizes.sh: packs Parallax into a folder feed
# and points a throw-away consumer at it, the way a package user gets it.

# parallax_pack ROOT FEED VERSION: packs runtime/Parallax.csproj (engine host included) and
# runtime/Parallax.Scripting (Roslyn for Execute, its own package) into FEED.
parallax_pack() {
  dotnet restore "$1/runtime/Parallax.Engine/Parallax.Engine.csproj" --nologo -v quiet
  dotnet pack "$1/runtime/Parallax.csproj" -c Release -o "$2" -p:Version="$3" --nologo -v quiet
  dotnet pack "$1/runtime/Parallax.Scripting/Parallax.Scripting.csproj" -c Release -o "$2" -p:Version="$3" --nologo -v quiet
}

# parallax_pack_tool ROOT FEED VERSION: packs the parallax dotnet tool (runtime/Parallax.Cli) into FEED.
parallax_pack_tool() {
  dotnet pack "$1/runtime/Parallax.Cli/Parallax.Cli.csproj" -c Release -o "$2" -p:Version="$3" --nologo -v quiet
}

# parallax_consumer_config DIR FEED: a nuget.config in DIR that takes Parallax from FEED and the rest from the usual source.
parallax_consumer_config() {
  mkdir -p "$1"
  cat > "$1/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$2" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Parallax" /><package pattern="Parallax.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
}
