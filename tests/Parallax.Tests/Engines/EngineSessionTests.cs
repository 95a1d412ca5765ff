namespace Parallax.Tests.Engines;

/// <summary>
/// Engines lead sessions of their own, as ipyparallel's do: the scheduler then shares a busy machine
/// per engine rather than giving all of them and their client one program's part, and a Ctrl+C in the
/// client's terminal reaches the client only.
/// </summary>
public class EngineSessionTests
{
    [Fact]
    public async Task Each_engine_leads_a_session_of_its_own_apart_from_the_clients()
    {
        await using var cluster = await Cluster.StartAsync(engines: 2);
        int[] pids = cluster.Client[..].ApplySync(() => Environment.ProcessId);

        var sessions = pids.Select(Session).ToArray();
        Assert.Equal(pids, sessions);
        Assert.DoesNotContain(Session(Environment.ProcessId), sessions);
        Assert.Equal(2, sessions.Distinct().Count());

        // Still stopped with the cluster: the client's disposal stops them.
        await cluster.DisposeAsync();
        foreach (var pid in pids)
        {
            Assert.True(await Gone(pid), $"engine process {pid} outlived its cluster");
        }
    }

    /// <summary>The session id in /proc/&lt;pid&gt;/stat: after "pid (comm)", the fields state, ppid, pgrp, session.</summary>
    private static int Session(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> Gone(int pid)
    {
        for (var i = 0; i < 600 && Directory.Exists($"/proc/{pid}"); i++)
        {
            await Task.Delay(100);
        }

        return !Directory.Exists($"/proc/{pid}");
    }
}
