using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Parallax.Benchmarks.Generator;

/// <summary>
/// <c>dotnet run -c Release --project tests/Parallax.Benchmarks -- generator [rounds] [files]</c>: the
/// generator's share of a large user's build. Writes a library of <c>files</c> (600) source files with
/// about 200 ordinary invocations each (Math.Max, ToString, StringBuilder.Append...), six [Jit] kernels
/// called from a few places and a few [MemoryPackable] types into a temporary folder, builds it with
/// <c>-p:ReportAnalyzer=true</c> and a binary log, and prints every source generator's time as csc
/// reports it, Parallax.Generator next to MemoryPack's generator from the same compilation as a ratio.
/// The cold round compiles without the shared compiler server (a fresh csc process loads and JITs every
/// generator, as a CI build does); then one round warms the server and the median of the other rounds
/// is the warm figure (an edit-and-rebuild on a developer's machine). Every round touches one file.
/// </summary>
internal static class GeneratorBench
{
    private const int InvocationsPerMethod = 20;
    private const int MethodsPerFile = 10;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        int files = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 600;
        string root = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "parallax-generator-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(work);

        // The server is shared by every build of this user: one running before the bench serves other builds too.
        bool serverWasRunning = CompilerServerRunning();
        try
        {
            int invocations = WriteProject(work, root, files);
            Console.WriteLine($"Generator bench: {files} files, {invocations} ordinary invocations, 6 [Jit] kernels, in {work}; load {Load()}");
            Dotnet(work, "restore --nologo -v quiet");

            // Round 0 is cold (no compiler server), round 1 warms the server, rounds 2.. are measured warm.
            var byRound = new List<Dictionary<string, double>>();
            for (int round = 0; round <= rounds + 1; round++)
            {
                File.AppendAllText(Path.Combine(work, "Touched.cs"), "// round " + round + "\n");
                string log = Path.Combine(work, $"round{round}.log");
                // Explicit both ways: an environment may set UseSharedCompilation=false for every build.
                string server = round == 0 ? " -p:UseSharedCompilation=false" : " -p:UseSharedCompilation=true";
                Dotnet(work, $"build --no-restore -c Release --nologo -nodeReuse:false{server} -bl:{Path.Combine(work, $"round{round}.binlog")} -flp:v=d;logfile={log}");
                var times = Parse(File.ReadAllText(log));
                byRound.Add(times);
                Console.WriteLine($"round {round}{(round == 0 ? " (cold)" : round == 1 ? " (warms the server)" : "")}: " + string.Join(", ", times.OrderByDescending(t => t.Value).Take(8).Select(t => $"{t.Key} {t.Value:F3} s")));
            }

            byRound.RemoveAt(1);

            Console.WriteLine();
            Console.WriteLine($"{"generator",-58} {"cold s",8} {"warm s (median)",16}");
            foreach (var name in byRound.SelectMany(r => r.Keys).Distinct().OrderByDescending(n => byRound[0].GetValueOrDefault(n)))
            {
                Console.WriteLine($"{name,-58} {byRound[0].GetValueOrDefault(name),8:F3} {Median(byRound.Skip(1).Select(r => r.GetValueOrDefault(name))),16:F3}");
            }

            double parallaxCold = byRound[0].GetValueOrDefault("Parallax.Generator"), memoryPackCold = byRound[0].GetValueOrDefault("MemoryPack.Generator");
            double parallaxWarm = Median(byRound.Skip(1).Select(r => r.GetValueOrDefault("Parallax.Generator")));
            double memoryPackWarm = Median(byRound.Skip(1).Select(r => r.GetValueOrDefault("MemoryPack.Generator")));
            Console.WriteLine();
            Console.WriteLine($"Parallax.Generator / MemoryPack.Generator: cold {parallaxCold / memoryPackCold:F2}x, warm {parallaxWarm / memoryPackWarm:F2}x (goal <= 3x); load {Load()}");
            return 0;
        }
        finally
        {
            // The compiler server this bench started; an environment without one keeps none running.
            if (!serverWasRunning)
            {
                Dotnet(work, "build-server shutdown --vbcscompiler");
            }

            if (Environment.GetEnvironmentVariable("PARALLAX_KEEP_BENCH") != "1")
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Whether a VBCSCompiler server runs now (on Linux its process is dotnet, so its command line says so).</summary>
    private static bool CompilerServerRunning()
    {
        if (!OperatingSystem.IsLinux())
        {
            return System.Diagnostics.Process.GetProcessesByName("VBCSCompiler").Length > 0;
        }

        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(process, "cmdline")).Contains("VBCSCompiler", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A process that ended while being read, or another user's.
            }
        }

        return false;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>
    /// Reads csc's ReportAnalyzer table ("Total generator execution time: ..." and one row per generator
    /// assembly, then one per generator type). Returns seconds per generator assembly and per type.
    /// </summary>
    internal static Dictionary<string, double> Parse(string log)
    {
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        int at = log.IndexOf("Total generator execution time:", StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("the build log has no ReportAnalyzer generator table; was the project compiled?");
        }

        foreach (var line in log[at..].Split('\n').SkipWhile(l => !l.Contains("Time (s)", StringComparison.Ordinal)).Skip(1))
        {
            // "   0.123   12   Parallax.Generator, Version=0.1.0.0, ..." or "   0.100   10      Parallax.Generator.Jit.JitGenerator"
            var m = Regex.Match(line, @"^\s+(?<time>[<\d][\d.]*)\s+(?<pct>[<\d]\d*)\s+(?<name>\S[^,]*)");
            if (!m.Success)
            {
                break;
            }

            string time = m.Groups["time"].Value.TrimStart('<');
            times[m.Groups["name"].Value.Trim()] = double.Parse(time, CultureInfo.InvariantCulture);
        }

        return times;
    }

    private static int WriteProject(string work, string root, int files)
    {
        File.WriteAllText(Path.Combine(work, "Library.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <UseAppHost>false</UseAppHost>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ReportAnalyzer>true</ReportAnalyzer>
                <NoWarn>$(NoWarn);CS1591</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="MemoryPack" Version="1.21.4" />
              </ItemGroup>
              <Import Project="{Path.Combine(root, "build", "UseParallax.targets")}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(work, "Touched.cs"), "// touched before every round, so that csc runs\n");
        File.WriteAllText(Path.Combine(work, "Kernels.cs"), """
            using Parallax;
            namespace Bench;
            public static partial class Kernels
            {
                [Jit] public static double[] ArrSum(double[] x, double[] y) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i]; return r; }
                [Jit] public static double[] Scale(double[] x, double a) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = a * x[i]; return r; }
                [Jit] public static double[] Clip(double[] x, double lo, double hi) { var r = new double[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = Math.Clamp(x[i], lo, hi); return r; }
                [Jit(FastMath = true)] public static double Dot(double[] x, double[] y) { double s = 0; for (int i = 0; i < x.Length; i++) s += x[i] * y[i]; return s; }
                [Jit] public static float[] Hypot(float[] x, float[] y) { var r = new float[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = MathF.Sqrt(x[i] * x[i] + y[i] * y[i]); return r; }
                [Jit] public static int[] Add(int[] x, int[] y) { var r = new int[x.Length]; for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i]; return r; }
            }
            """);
        string[] calls =
        [
            "a = Math.Max(a, b);", "b = Math.Min(a, b) + i;", "s = i.ToString();", "sb.Append(s);", "list.Add(a);",
            "s = string.Concat(s, \"x\");", "a = Math.Abs(a - b);", "b = list.Count + s.Length;", "s = s.Trim();", "d = Math.Sqrt(d + a);",
            "s = d.ToString(\"F2\");", "sb.AppendLine(s);", "a = s.IndexOf('x');", "d = Math.Round(d, 2);", "b = Math.Clamp(b, 0, 100);",
            "s = string.Join(\",\", list);", "a = Convert.ToInt32(d);", "d = Math.Pow(d, 0.5);", "s = s.ToUpperInvariant();", "b = HashCode.Combine(a, b);",
        ];
        int invocations = 0;
        for (int f = 0; f < files; f++)
        {
            var sb = new StringBuilder();
            sb.Append("using System.Text;\nnamespace Bench.Part").Append(f).Append(";\n\n");
            if (f % 100 == 0)
            {
                sb.Append("[MemoryPack.MemoryPackable]\npublic partial class Record").Append(f).Append("\n{\n    public int Id { get; set; }\n    public string Name { get; set; } = \"\";\n    public double[] Values { get; set; } = [];\n}\n\n");
            }

            sb.Append("public class Worker").Append(f).Append("\n{\n");
            for (int m = 0; m < MethodsPerFile; m++)
            {
                sb.Append("    public string Method").Append(m).Append("(int a, int b, double d)\n    {\n");
                sb.Append("        var sb = new StringBuilder();\n        var list = new List<int>();\n        string s = \"\";\n        int i = ").Append(m).Append(";\n");
                for (int c = 0; c < InvocationsPerMethod; c++)
                {
                    sb.Append("        ").Append(calls[(c + m + f) % calls.Length]).Append('\n');
                    invocations += calls[(c + m + f) % calls.Length].Split('(').Length - 1;
                }

                if (f % 100 == 1 && m == 0)
                {
                    // A few real kernel calls among the ordinary ones, to be intercepted.
                    sb.Append("        var x = new double[] { a, b, d };\n        s += Bench.Kernels.Dot(Bench.Kernels.ArrSum(x, x), Bench.Kernels.Scale(x, 2)).ToString();\n");
                }

                sb.Append("        return s + sb.ToString();\n    }\n\n");
            }

            sb.Append("}\n");
            File.WriteAllText(Path.Combine(work, $"File{f:D3}.cs"), sb.ToString());
        }

        return invocations;
    }

    private static void Dotnet(string directory, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {arguments} failed with exit code {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Generators.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the Parallax repository (Generators.sln not found above " + AppContext.BaseDirectory + ")");
    }
}
