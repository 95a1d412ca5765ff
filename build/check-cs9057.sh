#!/usr/bin/env bash
# Proves the package's props make CS9057 fatal: a generator built against a Roslyn newer than the
# SDK's compiler must fail the consumer's build, not be skipped with a warning nobody reads.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/gen" "$work/app"
cat > "$work/gen/gen.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework><EnforceExtendedAnalyzerRules>true</EnforceExtendedAnalyzerRules><NoWarn>NU1603</NoWarn></PropertyGroup>
  <ItemGroup><PackageReference Include="Microsoft.CodeAnalysis.CSharp" Version="[5.10.0,)" PrivateAssets="all" /></ItemGroup>
</Project>
XML
cat > "$work/gen/G.cs" <<'CS'
using Microsoft.CodeAnalysis;
[Generator] public sealed class G : IIncrementalGenerator { public void Initialize(IncrementalGeneratorInitializationContext c) => c.RegisterPostInitializationOutput(p => p.AddSource("x.g.cs", "class Generated {}")); }
CS
cat > "$work/app/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <Import Project="$root/runtime/buildTransitive/Parallax.props" />
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType><NoWarn>NU1603</NoWarn></PropertyGroup>
  <ItemGroup><ProjectReference Include="../gen/gen.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" /></ItemGroup>
</Project>
XML
echo 'class P { static void Main() {} }' > "$work/app/P.cs"
if out=$(cd "$work/app" && dotnet build --nologo 2>&1); then
  echo "FAIL: a generator built against a newer Roslyn loaded silently (CS9057 is not an error):"; echo "$out" | tail -5; exit 1
fi
echo "$out" | grep -q 'error CS9057' || { echo "FAIL: the build failed, but not with CS9057:"; echo "$out" | tail -5; exit 1; }
echo "cs9057: OK (a too-new generator fails the consumer's build with error CS9057)"
