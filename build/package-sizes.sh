#!/usr/bin/env bash
# What the Parallax package weighs and what it adds to an app: packs Parallax, builds a throw-away
# console app from the package (as build/pack-and-consume.sh does) and prints the .nupkg size, the
# app's output folder, and how much of that folder is Parallax's (engine host, scripting folder).
# Usage: build/package-sizes.sh [extra msbuild properties for the consumer, e.g. -p:ParallaxScripting=false]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-size.$(date +%s)"
. "$root/build/local-feed.sh"
parallax_pack "$root" "$work/feed" "$version"
pkg="$work/feed/Parallax.$version.nupkg"
parallax_consumer_config "$work/app" "$work/feed"
cat > "$work/app/App.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Parallax" Version="$version" /></ItemGroup>
</Project>
XML
echo 'System.Console.WriteLine(typeof(Parallax.Cluster));' > "$work/app/Program.cs"
(cd "$work/app" && dotnet build -c Release --nologo -v quiet "$@" > "$work/build.log") || { cat "$work/build.log"; exit 1; }
out="$work/app/bin/Release/net10.0"
kb() { du -sk --apparent-size "$@" | awk '{s+=$1} END {print s}'; }
echo "package Parallax.$version.nupkg: $(( $(stat -c %s "$pkg") / 1024 )) KiB"
unzip -l "$pkg" | awk '$4 ~ /^tools\// {s+=$1} END {printf "  of which tools/ (engine host and its scripting folder, uncompressed): %d KiB\n", s/1024}'
echo "app output folder: $(kb "$out") KiB"
echo "  of which Parallax.dll + MemoryPack + engine host: $(kb "$out"/Parallax.dll "$out"/MemoryPack*.dll "$out"/Parallax.Engine.*) KiB"
if [ -d "$out/parallax-scripting" ]; then
  echo "  of which parallax-scripting/ (Roslyn, loaded only by an engine that compiles a code string): $(kb "$out/parallax-scripting") KiB"
  ls -l "$out/parallax-scripting" | awk 'NR > 1 {printf "    %-50s %6d KiB\n", $9, $5/1024}'
else
  echo "  no parallax-scripting/ folder"
fi
