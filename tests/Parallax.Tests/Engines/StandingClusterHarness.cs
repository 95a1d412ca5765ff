using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

/// <summary>The <c>parallax</c> tool run as a real process (its built Parallax.Cli.dll under <c>dotnet</c>), with Parallax's home in a temporary folder.</summary>
public static class ParallaxTool
{
    /// <summary>The tool's build output: this repository's runtime/Parallax.Cli, in this test assembly's configuration.</summary>
    public static string Path
    {
        get
        {
            var project = typeof(ParallaxTool).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
            var configuration = typeof(ParallaxTool).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(project, "..", "..", "runtime", "Parallax.Cli", "bin", configuration, "net10.0", "Parallax.Cli.dll"));
        }
    }

    /// <summary>Runs <c>parallax <paramref name="arguments"/></c> with <c>PARALLAX_HOME</c> = <paramref name="home"/>; kills it if it has not returned after two minutes (a hang guard, not a time assertion).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string home, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ClusterProfile.HomeVariable] = home;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"`parallax {string.Join(' ', arguments)}` did not return within two minutes");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// A standing cluster started with the tool in a temporary home, for one test or one class. Disposing it
/// stops the cluster with the tool, kills what is left if that failed (so a failed test leaves no
/// process), and removes the home.
/// </summary>
internal sealed class StandingProfile : IAsyncDisposable
{
    private StandingProfile(string home, string name)
    {
        Home = home;
        Name = name;
    }

    public string Home { get; }

    public string Name { get; }

    public string FilePath => System.IO.Path.Combine(Home, "profile_" + Name, ClusterProfile.FileName);

    public ClusterProfile Record => ClusterProfile.Read(FilePath);

    /// <summary>The engine's process id, from the profile.</summary>
    public int EnginePid(int engineId) => EnginePidOf(Record, engineId);

    /// <summary>Engine <paramref name="engineId"/>'s process id in <paramref name="record"/>.</summary>
    public static int EnginePidOf(ClusterProfile record, int engineId) =>
        int.Parse(record.Value($"engine.{engineId.ToString(CultureInfo.InvariantCulture)}").Split(' ')[0], CultureInfo.InvariantCulture);

    public static async Task<StandingProfile> StartAsync(int engines, string name = ClusterProfile.DefaultName, params string[] moreArguments)
    {
        var home = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parallax-home-" + Guid.NewGuid().ToString("N"));
        var profile = new StandingProfile(home, name);
        var (code, stdout, stderr) = await ParallaxTool.RunAsync(home, ["cluster", "start", "-n", engines.ToString(CultureInfo.InvariantCulture), "--profile", name, .. moreArguments]);
        Assert.True(code == 0, $"cluster start failed ({code}): {stdout} {stderr}");
        return profile;
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> ToolAsync(params string[] arguments) => ParallaxTool.RunAsync(Home, arguments);

    public async ValueTask DisposeAsync()
    {
        ClusterProfile? record = File.Exists(FilePath) ? Record : null;
        await ToolAsync("cluster", "stop", "--all");
        if (record is not null)
        {
            // A failed stop must not leave processes: kill what is left, checked by identity (pids are reused).
            var identities = record.Fields.Where(f => f.Key.StartsWith("engine.", StringComparison.Ordinal)).Select(f => f.Value).Append(record.Daemon);
            foreach (var identity in identities)
            {
                var pid = int.Parse(identity.Split(' ')[0], CultureInfo.InvariantCulture);
                if (ClusterOwner.Identity(pid) == identity)
                {
                    try
                    {
                        Process.GetProcessById(pid).Kill();
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                    {
                    }
                }
            }
        }

        if (Directory.Exists(Home))
        {
            Directory.Delete(Home, recursive: true);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> runs (a zombie does not).</summary>
    public static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !EngineProcesses.IsZombie(pid);

    /// <summary>Polls <paramref name="condition"/> until it holds, up to a minute (a hang guard, not a time assertion).</summary>
    public static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 1200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        return condition();
    }
}
