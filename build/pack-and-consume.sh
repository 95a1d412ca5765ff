#!/usr/bin/env bash
# The only honest proof that users get the generator: pack Parallax, restore it into a throw-away
# project by PackageReference from a local folder feed, build, and check that generated source
# appeared there and that the generated code runs. Also packs Parallax.Scripting (Execute's Roslyn,
# its own package) and the parallax tool (Parallax.Cli), installs the tool into a tool path, starts a
# standing cluster with it and connects the consumer to it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version="0.1.0-ci.$(date +%s)"
. "$root/build/local-feed.sh"

parallax_pack "$root" "$work/feed" "$version"
pkg="$work/feed/Parallax.$version.nupkg"
# Listed once into a file: `unzip -l | grep -q` dies of SIGPIPE under pipefail once the listing is long.
unzip -l "$pkg" > "$work/listing"
grep -q 'analyzers/dotnet/cs/Parallax.Generator.dll' "$work/listing" || { echo "FAIL: the package has no generator under analyzers/dotnet/cs"; exit 1; }
grep -q 'analyzers/dotnet/cs/Parallax.CodeFixes.dll' "$work/listing" || { echo "FAIL: the package has no code fixes under analyzers/dotnet/cs"; exit 1; }
grep -q 'buildTransitive/Parallax.props' "$work/listing" || { echo "FAIL: the package has no buildTransitive props"; exit 1; }
grep -q 'tools/engine/Parallax.Engine.dll' "$work/listing" || { echo "FAIL: the package has no engine host under tools/engine"; exit 1; }
grep -q 'docs/diagnostics/PAR0001.md' "$work/listing" || { echo "FAIL: the package has no diagnostic help pages under docs/diagnostics"; exit 1; }
! grep -q 'parallax-scripting\|Microsoft.CodeAnalysis' "$work/listing" || { echo "FAIL: the Parallax package carries Roslyn; it belongs to Parallax.Scripting only"; exit 1; }
unzip -l "$work/feed/Parallax.Scripting.$version.nupkg" > "$work/scripting-listing"
grep -q 'tools/parallax-scripting/Parallax.Scripting.dll' "$work/scripting-listing" || { echo "FAIL: Parallax.Scripting has no tools/parallax-scripting folder"; exit 1; }
grep -q 'buildTransitive/Parallax.Scripting.targets' "$work/scripting-listing" || { echo "FAIL: Parallax.Scripting has no buildTransitive targets"; exit 1; }
! grep -q ' lib/' "$work/scripting-listing" || { echo "FAIL: Parallax.Scripting has a lib/ folder: apps would reference Roslyn"; exit 1; }
parallax_pack_tool "$root" "$work/feed" "$version"

parallax_consumer_config "$work/consumer" "$work/feed"
# Outside the repository: none of its Directory.*.props may help the consumer.
cat > "$work/consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Parallax" Version="$version" />
    <PackageReference Include="Parallax.Scripting" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$work/consumer/Program.cs" <<'CS'
using Parallax;

if (args is ["connect"])
{
    // A client of the standing cluster the installed parallax tool started: its engines run this lambda and this code string.
    await using var client = await Client.ConnectAsync();
    client[..].PushSync("y", 20);
    var suffix = "!";
    System.Console.WriteLine($"standing engines said {string.Join(",", client[..].ApplySync(() => Engine.Get<int>("y") + Engine.Id + suffix))}");
    client[..].ExecuteSync("var z = y + 1;");
    System.Console.WriteLine($"standing engines executed {string.Join(",", client[..].PullSync<int>("z"))}");
    return;
}

foreach (var e in Parallax.Generated.ParallaxManifest.Entries)
{
    System.Console.WriteLine($"{e.Capability} {e.Attribute} {e.Type}.{e.Member}");
}

// An engine process starts from the package's engine host, next to Parallax.dll in this app's output.
await using (var cluster = await Cluster.StartAsync(engines: 1))
{
    cluster.Client[0].PushSync("x", 41);
    System.Console.WriteLine($"engine pulled {cluster.Client[0].PullSync<int>("x") + 1}");

    // A lambda with a capture: it runs only if the package's generator emitted its stub and interceptor.
    var greeting = "Hello";
    System.Console.WriteLine($"engine said {cluster.Client[0].ApplySync(() => greeting + " from engine " + Engine.Id)}");

    // A code string: compiled by the engine with the Roslyn the package put beside the engine host.
    cluster.Client[0].ExecuteSync("var doubled = x * 2;");
    System.Console.WriteLine($"engine executed {cluster.Client[0].PullSync<int>("doubled")}");
    System.Console.WriteLine($"kernel gave {Kernels.ArrSum([1.0, 2.0], [3.0, 4.0])[1]}");
}

public static partial class Kernels
{
    [Jit]
    public static double[] ArrSum(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }
}
CS
(cd "$work/consumer" && dotnet build -c Release --nologo -v quiet)
generated=$(find "$work/consumer/obj" -path '*Parallax.Generator*' -name '*.g.cs' | wc -l)
[ "$generated" -gt 0 ] || { echo "FAIL: no generated source in the consumer"; exit 1; }
out=$(cd "$work/consumer" && dotnet run -c Release --no-build)
echo "$out" | grep -q 'Jit Jit Kernels.ArrSum' || { echo "FAIL: the consumer's generated code did not list its [Jit] method: $out"; exit 1; }
echo "$out" | grep -q 'engine pulled 42' || { echo "FAIL: the consumer could not start an engine from the package's engine host: $out"; exit 1; }
echo "$out" | grep -q 'engine said Hello from engine 0' || { echo "FAIL: the consumer's lambda did not run on its engine through a generated stub: $out"; exit 1; }
echo "$out" | grep -q 'engine executed 82' || { echo "FAIL: the consumer's code string did not run on its engine: $out"; exit 1; }
[ -f "$work/consumer/bin/Release/net10.0/parallax-scripting/Microsoft.CodeAnalysis.CSharp.dll" ] || { echo "FAIL: the consumer's output has no parallax-scripting folder"; exit 1; }
[ ! -f "$work/consumer/bin/Release/net10.0/Microsoft.CodeAnalysis.dll" ] || { echo "FAIL: Roslyn landed in the consumer's own folder"; exit 1; }
echo "$out" | grep -q 'kernel gave 6' || { echo "FAIL: the consumer's [Jit] kernel gave the wrong result: $out"; exit 1; }
# A diagnostic's help link is the page in the restored package, and the page is there.
mkdir -p "$work/broken"
cp "$work/consumer/nuget.config" "$work/broken/"
sed 's/<OutputType>Exe<\/OutputType>//' "$work/consumer/Consumer.csproj" > "$work/broken/Broken.csproj"
printf 'public static class NotPartial { [Parallax.Vectorize] public static double Twice(double x) => 2 * x; }\n' > "$work/broken/Broken.cs"
(cd "$work/broken" && dotnet build -c Release --nologo -v quiet -p:ErrorLog="$work/broken/errors.sarif%2Cversion=2.1" > "$work/broken/build.log" 2>&1) && { echo "FAIL: a non-partial [Vectorize] type built without PAR0001"; exit 1; }
grep -q 'PAR0001' "$work/broken/build.log" || { echo "FAIL: the broken consumer failed without PAR0001: $(cat "$work/broken/build.log")"; exit 1; }
python3 - "$work/broken/errors.sarif" <<'PY' || exit 1
import json, sys, urllib.parse, os
rules = [r for run in json.load(open(sys.argv[1]))["runs"] for r in run["tool"]["driver"].get("rules", []) if r["id"] == "PAR0001"]
link = rules[0].get("helpUri", "") if rules else ""
path = urllib.parse.unquote(urllib.parse.urlparse(link).path)
if not link.startswith("file://") or not os.path.isfile(path):
    sys.exit(f"FAIL: PAR0001's help link {link!r} is not a page on this machine")
print(f"PAR0001 links to {path}")
PY

# The tool, as a user installs it, and the consumer connected to the cluster it starts (home in $work, never ~/.parallax).
dotnet tool install Parallax.Cli --version "$version" --tool-path "$work/tools" --add-source "$work/feed" > "$work/tool-install.log" || { cat "$work/tool-install.log"; exit 1; }
export PARALLAX_HOME="$work/home"
"$work/tools/parallax" cluster start -n 2 || { echo "FAIL: the installed parallax tool did not start a cluster"; exit 1; }
trap '"$work/tools/parallax" cluster stop --all > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
connected=$(cd "$work/consumer" && dotnet run -c Release --no-build -- connect)
"$work/tools/parallax" cluster list
"$work/tools/parallax" cluster stop
echo "$connected" | grep -q 'standing engines said 20!,21!' || { echo "FAIL: the consumer's lambda did not run on the tool's engines: $connected"; exit 1; }
echo "$connected" | grep -q 'standing engines executed 21,21' || { echo "FAIL: the consumer's code string did not run on the tool's engines: $connected"; exit 1; }
echo "pack-and-consume: OK ($generated generated files in a PackageReference consumer of Parallax $version; Parallax.Scripting and the parallax tool $version)"
