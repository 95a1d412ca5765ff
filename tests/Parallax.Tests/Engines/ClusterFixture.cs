using System.Globalization;

namespace Parallax.Tests.Engines;

/// <summary>
/// One 3-engine cluster shared by the tests that do not kill engines: starting engines is the slow part.
/// Its disposal, after the last engine test, also checks that no engine process of this test run is left.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public Cluster Cluster { get; private set; } = null!;

    public Client Client => Cluster.Client;

    public async Task InitializeAsync() => Cluster = await Cluster.StartAsync(3, new ClusterOptions { SharedMemoryThreshold = 64 << 10 });

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();

        // Every engine test runs in this collection, so by now every cluster a test started is disposed.
        // An engine still running would be an orphan that outlives the run: fail the run, naming it.
        for (var i = 0; i < 200 && EngineProcesses.OfThisProcess().Count > 0; i++)
        {
            await Task.Delay(25);
        }

        var left = EngineProcesses.OfThisProcess();
        if (left.Count > 0)
        {
            throw new Xunit.Sdk.XunitException($"engine processes left after the engine tests: {string.Join(", ", left)}");
        }
    }

    /// <summary>
    /// Nothing of a finished transfer is left in shared memory but the two pools kept for reuse: engines'
    /// reply segments released by the client (<c>.free</c>) and the client's push segments, each bounded.
    /// </summary>
    public static void AssertSharedMemoryBounded(Cluster cluster)
    {
        var left = Directory.EnumerateFiles(cluster.Connection.SegmentFolder).ToArray();
        var released = left.Count(f => f.EndsWith(Parallax.Engines.Transport.SharedSegment.FreeSuffix, StringComparison.Ordinal));
        Assert.InRange(released, 0, cluster.EngineCount * Parallax.Engines.Host.ReplySegments.Capacity);
        Assert.InRange(left.Length - released, 0, Parallax.Engines.Transport.PushSegments.Capacity);
    }

    /// <summary>Waits (without a time assertion) until an engine has logged a line containing <paramref name="text"/>.</summary>
    public static async Task<string> WaitForLog(Cluster cluster, string text)
    {
        for (var i = 0; i < 400; i++)
        {
            if (cluster.EngineLog.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(25);
        }

        throw new Xunit.Sdk.XunitException($"no engine logged '{text}'. Log:\n{string.Join("\n", cluster.EngineLog)}");
    }
}

/// <summary>Engine tests start real processes: they run one class at a time, all in this collection.</summary>
[CollectionDefinition(Name)]
public sealed class EnginesCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Engines";
}

/// <summary>Finds engine host processes started by this test process, from /proc (Linux).</summary>
public static class EngineProcesses
{
    /// <summary>Live (not zombie) engine processes whose command line names this process as their parent.</summary>
    public static IReadOnlyList<int> OfThisProcess()
    {
        var parent = "--parent\0" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\0";
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline"));
                if (commandLine.Contains("Parallax.Engine.dll", StringComparison.Ordinal) && commandLine.Contains(parent, StringComparison.Ordinal) && !IsZombie(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours.
            }
        }

        return found;
    }

    public static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z";
        }
        catch (IOException)
        {
            return true;
        }
    }
}

/// <summary>A file engine code waits for (<see cref="EngineSide.WaitFor"/>): the test decides when a remote call ends.</summary>
public sealed class Gate : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "parallax-gate-" + Guid.NewGuid().ToString("N"));

    private bool opened;

    public void Open()
    {
        File.WriteAllText(Path, "");
        opened = true;
    }

    public void Dispose()
    {
        if (opened)
        {
            File.Delete(Path); // the tests open a gate and then wait for the call it held
        }
        else
        {
            Open(); // a failed test must not leave an engine waiting; the file stays so the engine sees it
        }
    }
}
