using System.Diagnostics;
using System.Reflection;
using Parallax.Tests.Foundation;

namespace Parallax.Tests.Samples;

/// <summary>Runs a sample (built before this project, never referenced) as a child process.</summary>
internal static class SampleProcess
{
    public static (int ExitCode, string Output, string Error) RunThreads(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Run("Threads", arguments, environment);

    public static (int ExitCode, string Output, string Error) Run(string sampleName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var test = typeof(SampleProcess).Assembly;
        string project = test.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProjectDirectory").Value!;
        string configuration = test.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string sample = Path.GetFullPath(Path.Combine(project, "..", "..", "samples", sampleName, "bin", configuration, "net10.0", sampleName + ".dll"));
        Assert.True(File.Exists(sample), $"samples/{sampleName} is not built at {sample}; build tests/Parallax.Tests, which builds it first");

        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(sample);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return ChildProcess.Run(start, TimeSpan.FromSeconds(60), $"samples/{sampleName} {string.Join(' ', arguments)}");
    }
}
