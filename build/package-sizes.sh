#!/usr/bin/env bash
# What the Parallax packages weigh and what they add to an app: packs Parallax and Parallax.Scripting,
# builds two throw-away console apps from them (as build/pack-and-consume.sh does), one referencing
# Parallax only and one adding Parallax.Scripting (Execute), and prints the .nupkg sizes, each app's
# output folder, and how much of that folder is Parallax's (engine host, scripting folder).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-size.$(date +%s)"
. "$root/build/local-feed.sh"
parallax_pack "$root" "$work/feed" "$version"
kb() { du -sk --apparent-size "$@" | awk '{s+=$1} END {print s}'; }
for package in Parallax Parallax.Scripting; do
  pkg="$work/feed/$package.$version.nupkg"
  echo "package $package.$version.nupkg: $(( $(stat -c %s "$pkg") / 1024 )) KiB"
  unzip -l "$pkg" | awk '$4 ~ /^tools\// {s+=$1} END {printf "  of which tools/ (uncompressed): %d KiB\n", s/1024}'
done
for app in plain scripting; do
  parallax_consumer_config "$work/$app" "$work/feed"
  extra=""
  [ "$app" = scripting ] && extra="<PackageReference Include=\"Parallax.Scripting\" Version=\"$version\" />"
  cat > "$work/$app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Parallax" Version="$version" />$extra</ItemGroup>
</Project>
XML
  echo 'System.Console.WriteLine(typeof(Parallax.Cluster));' > "$work/$app/Program.cs"
  (cd "$work/$app" && dotnet build -c Release --nologo -v quiet > "$work/build.log") || { cat "$work/build.log"; exit 1; }
  out="$work/$app/bin/Release/net10.0"
  echo "app referencing $([ "$app" = scripting ] && echo "Parallax + Parallax.Scripting" || echo "Parallax only"): output folder $(kb "$out") KiB"
  echo "  of which Parallax.dll + MemoryPack + engine host: $(kb "$out"/Parallax.dll "$out"/MemoryPack*.dll "$out"/Parallax.Engine.*) KiB"
  if [ -d "$out/parallax-scripting" ]; then
    echo "  of which parallax-scripting/ (Roslyn, loaded only by an engine that compiles a code string): $(kb "$out/parallax-scripting") KiB"
    ls -l "$out/parallax-scripting" | awk 'NR > 1 {printf "    %-50s %6d KiB\n", $9, $5/1024}'
  else
    echo "  no parallax-scripting/ folder"
  fi
done
