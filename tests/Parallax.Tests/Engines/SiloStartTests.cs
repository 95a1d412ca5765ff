using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Parallax.Engines.Silos;
using Parallax.Engines.Transport;

namespace Parallax.Tests.Engines;

// Inside the namespace, so that it wins over the test namespace Parallax.Tests.Linalg.
using Linalg = Parallax.Linalg;

/// <summary>
/// A cluster whose silos are started by separate <c>parallax silo start</c> processes, as on separate
/// machines (here on loopback), meeting in a redis-server of the test's own: a daemon-less profile
/// written by <c>parallax cluster start --cluster</c> carries the certificate and the membership, and
/// <see cref="Client.ConnectAsync"/> reaches every engine through it with the client API unchanged.
/// In the silo collection: never two silo clusters starting at once.
/// </summary>
[Collection(SilosCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SiloStartTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Silos_of_two_silo_start_processes_form_one_cluster_that_a_profile_reaches_and_a_dead_silo_comes_back_under_its_id()
    {
        // A Redis that requires a password (redis://:password@host:port): the membership table and the id claims are behind it.
        const string password = "s3cret/p@ss";
        await using var redis = await RedisServer.StartAsync(password);
        var home = Path.Combine(Path.GetTempPath(), "parallax-home-" + Guid.NewGuid().ToString("N"));
        var intruderFolder = Path.Combine(Path.GetTempPath(), "parallax-intruder-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The profile: no process runs for it here; the certificate is generated into its folder once.
            var written = await ParallaxTool.RunAsync(home, "cluster", "start", "--backend", "orleans", "--membership", redis.Membership, "--cluster", "lab", "--profile", "lab");
            Assert.True(written.ExitCode == 0, written.Stdout + written.Stderr);
            var path = Path.Combine(home, "profile_lab", ClusterProfile.FileName);
            var record = ClusterProfile.Read(path);
            Assert.False(record.HasDaemon);
            Assert.Equal(0, record.EngineCount);
            var certificate = record.Value("credentials");
            Assert.Equal(Path.Combine(home, "profile_lab", ClusterCredentials.FileName), certificate);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
            var thumbprint = File.ReadAllBytes(certificate);
            var again = await ParallaxTool.RunAsync(home, "cluster", "start", "--backend", "orleans", "--membership", redis.Membership, "--cluster", "lab", "--profile", "lab");
            Assert.True(again.ExitCode == 0, again.Stdout + again.Stderr);
            Assert.Equal(thumbprint, File.ReadAllBytes(certificate)); // kept, not made anew: the silos already have it
            var list = await ParallaxTool.RunAsync(home, "cluster", "list");
            Assert.Matches(@"lab\s+remote\s+any\s", list.Stdout);
            Assert.Contains("redis://:***@127.0.0.1", list.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cret", list.Stdout, StringComparison.Ordinal);
            var local = await ParallaxTool.RunAsync(home, "cluster", "start", "-n", "1", "--profile", "lab");
            Assert.Equal(3, local.ExitCode); // a start never replaces a profile that points at silos elsewhere

            // Two "machines": one from the profile, one from explicit options (as on a machine without the profile).
            await using var first = await SiloStartProcess.StartAsync(home, "silo", "start", "--profile", "lab", "--engines", "1");
            Assert.Equal([0], first.EngineIds);

            // A client that connects now counts one engine, and sees the second machine's engines join.
            await using var early = await Client.ConnectAsync(path);
            Assert.Equal([0], early.Ids);

            // The second takes the membership from its environment, as a user keeps a password out of ps,
            // advertises this machine's network address when it has one (as a machine of a real cluster would),
            // and listens on known ports (--port-base P: P, P+1, P+2 for its first silo, P+3.. for the next).
            var address = NetworkAddress() ?? System.Net.IPAddress.Loopback;
            var portBase = FreePortRun(address, 6);
            await using var second = await SiloStartProcess.StartWithAsync(home, new() { [Membership.EnvironmentVariable] = redis.Membership }, "silo", "start", "--engines", "2", "--cluster", "lab", "--cert", certificate, "--address", address.ToString(), "--port-base", portBase.ToString(CultureInfo.InvariantCulture));
            Assert.Equal([1, 2], second.EngineIds);
            Assert.True(await StandingProfile.Eventually(() => early.Ids.SequenceEqual([0, 1, 2])), $"the early client has engines {string.Join(", ", early.Ids)}, not 0, 1, 2");
            Assert.Equal([1, 2], early[[1, 2]].ApplySync(() => Engine.Id));
            Assert.Equal([portBase + 2, portBase + 5], [((OrleansEngines)early.Engines).DataEndpoint(1)!.Port, ((OrleansEngines)early.Engines).DataEndpoint(2)!.Port]);
            foreach (var port in Enumerable.Range(portBase, 6))
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(address, port); // each silo's silo, gateway and data port listens where --port-base put it
            }
            Assert.DoesNotContain("s3cret", File.ReadAllText($"/proc/{second.Pid}/cmdline"), StringComparison.Ordinal);

            // A wrong password claims nothing.
            var wrong = await ParallaxTool.RunAsync(home, "silo", "start", "--profile", "lab", "--membership", $"redis://:not-the-password-7@127.0.0.1:{redis.Port}");
            Assert.Equal(1, wrong.ExitCode);
            Assert.Contains("Could not claim engine ids of cluster 'lab' in redis://:***@127.0.0.1", wrong.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password-7", wrong.Stderr, StringComparison.Ordinal);

            // An id held by a running process is refused at once, naming its holder.
            var taken = await ParallaxTool.RunAsync(home, "silo", "start", "--profile", "lab", "--first-id", "1");
            Assert.Equal(1, taken.ExitCode);
            Assert.Contains("Engine 1 of cluster 'lab' is held by", taken.Stderr, StringComparison.Ordinal);

            await using var client = await Client.ConnectAsync(path);
            Assert.Equal([0, 1, 2], client.Ids);
            var v = client[..];
            var pids = v.ApplySync(() => Environment.ProcessId);
            Assert.Equal(first.Pid, ParentOf(pids[0]));
            Assert.Equal([second.Pid, second.Pid], pids[1..].Select(ParentOf).ToArray());
            Assert.Equal(3, pids.Distinct().Count());

            // Engines 1 and 2 are reached where their silos advertised themselves: the client's data channels go to that address.
            var orleans = (OrleansEngines)client.Engines;
            Assert.Equal(System.Net.IPAddress.Loopback, orleans.DataEndpoint(0)!.Address);
            Assert.All([1, 2], id => Assert.Equal(address, orleans.DataEndpoint(id)!.Address));
            Assert.All(pids, pid => Assert.DoesNotContain("s3cret", File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal));

            // The seed's flow: push a, b; Dot on every engine; pull c.
            const int n = 200;
            var a = Matrices.Random(n, n, 1);
            var b = Matrices.Random(n, n, 2);
            v.PushSync(new { a, b });
            v.ApplySync(() => Engine.Set("c", Linalg.Dot(Engine.Get<double[,]>("a"), Engine.Get<double[,]>("b"))));
            var expected = Linalg.Dot(a, b);
            Assert.All(v.PullSync<double[,]>("c"), c => Assert.True(c.AsSpan().SequenceEqual(expected.AsSpan()), "an engine's product differs from the local Linalg.Dot(a, b)"));

            // Without the certificate there is no client: no file at all, or a certificate of its own that TLS refuses.
            var copy = Path.Combine(home, "profile_nocert", ClusterProfile.FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllLines(copy, File.ReadAllLines(path).Select(l => l.StartsWith("credentials=", StringComparison.Ordinal) ? $"credentials={Path.Combine(intruderFolder, "missing.pfx")}" : l));
            await Assert.ThrowsAsync<FileNotFoundException>(() => Client.ConnectAsync(copy));
            var intruder = ClusterCredentials.Create(intruderFolder, "intruder");
            var refused = await Record.ExceptionAsync(async () =>
            {
                await using var engines = await OrleansEngines.ConnectAsync(new SiloClusterInfo("lab", [], intruder.Path, 0, redis.Membership), TimeSpan.FromSeconds(10));
                new Client(engines)[0].PushSync("intruded", 1);
            });
            Assert.IsType<TimeoutException>(refused);
            Assert.Equal([false, false, false], v.ApplySync(() => Engine.Contains("intruded")));

            // kill -9 of a silo: its engine dies for the client, and its silo start brings it back under its id, empty.
            Process.Start("kill", ["-9", pids[2].ToString(CultureInfo.InvariantCulture)]).WaitForExit();
            Assert.True(await StandingProfile.Eventually(() => !client.Ids.Contains(2)), "engine 2 is still live after its silo was killed");
            await client.WaitForEnginesAsync(3, HangGuard);
            Assert.Equal(2, client[2].ApplySync(() => Engine.Id));
            var backPid = client[2].ApplySync(() => Environment.ProcessId);
            Assert.NotEqual(pids[2], backPid);
            Assert.Equal(second.Pid, ParentOf(backPid));
            Assert.Equal([true, true, false], v.ApplySync(() => Engine.Contains("a")));
            Assert.Matches(@"the silo of engine 2 ended .*starting it again under its id", second.Stderr);

            // Ctrl+C on a machine stops its silos and releases its ids: the next silo start there takes them again.
            await second.StopAsync();
            Assert.All(pids[1..].Append(backPid), pid => Assert.False(StandingProfile.IsRunning(pid), $"silo process {pid} outlived its silo start"));
            Assert.True(await StandingProfile.Eventually(() => client.Ids.SequenceEqual([0])), $"engines {string.Join(", ", client.Ids)} are live after the second machine stopped");

            // Stopping the profile forgets it here; the silos elsewhere (engine 0's) are not this machine's to stop, and the certificate stays.
            var forget = await ParallaxTool.RunAsync(home, "cluster", "stop", "--profile", "lab");
            Assert.True(forget.ExitCode == 0, forget.Stdout + forget.Stderr);
            Assert.False(File.Exists(path));
            Assert.True(File.Exists(certificate));
            Assert.Equal([0], client[..].ApplySync(() => Engine.Id));
        }
        finally
        {
            if (Directory.Exists(home))
            {
                Directory.Delete(home, recursive: true);
            }

            if (Directory.Exists(intruderFolder))
            {
                Directory.Delete(intruderFolder, recursive: true);
            }
        }
    }

    [Fact]
    public void A_membership_names_a_Redis_server_with_or_without_a_password_and_messages_never_show_the_password()
    {
        var plain = Membership.RedisOptions("redis://10.0.0.5:6379");
        Assert.Equal("10.0.0.5:6379", Assert.Single(plain.EndPoints).ToString());
        Assert.Null(plain.Password);

        var secret = Membership.RedisOptions("redis://:p%40ss%3Aword@10.0.0.5:6380/");
        Assert.Equal("p@ss:word", secret.Password);
        Assert.Null(secret.User);
        Assert.Equal("alice", Membership.RedisOptions("redis://alice:pw@redis.lab:6379").User);
        Assert.Equal("redis://:***@10.0.0.5:6380/", Membership.Redacted("redis://:p%40ss%3Aword@10.0.0.5:6380/"));
        Assert.Equal("redis://alice:***@redis.lab:6379", Membership.Redacted("redis://alice:pw@redis.lab:6379"));

        foreach (var bad in (string[])["http://10.0.0.5:6379", "redis://10.0.0.5", "redis://:@10.0.0.5:6379", "redis://10.0.0.5:99999"])
        {
            Assert.Contains("redis://host:port", Assert.Throws<ArgumentException>(() => Membership.RedisOptions(bad)).Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("hunter2", Assert.Throws<ArgumentException>(() => Membership.Checked("redis://:hunter2@nowhere")).Message, StringComparison.Ordinal);
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports free on <paramref name="address"/> now.</summary>
    private static int FreePortRun(System.Net.IPAddress address, int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(20000, 60000);
            var taken = new List<System.Net.Sockets.TcpListener>();
            try
            {
                foreach (var port in Enumerable.Range(first, count))
                {
                    var listener = new System.Net.Sockets.TcpListener(address, port);
                    listener.Start();
                    taken.Add(listener);
                }

                return first;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // One of them is in use: another run.
            }
            finally
            {
                taken.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports on {address} in 100 tries.");
    }

    /// <summary>This machine's first IPv4 address that is not loopback, or null.</summary>
    private static System.Net.IPAddress? NetworkAddress() => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up && n.NetworkInterfaceType != System.Net.NetworkInformation.NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));

    private static int ParentOf(int pid) =>
        int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>A <c>parallax silo start</c> tool process running until stopped: its engine ids once ready, its log, SIGTERM to stop, SIGKILL if that fails.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class SiloStartProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly System.Text.StringBuilder stderr = new();

    private SiloStartProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public int[] EngineIds { get; private set; } = [];

    public string Stderr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    public static Task<SiloStartProcess> StartAsync(string home, params string[] arguments) => StartWithAsync(home, [], arguments);

    public static async Task<SiloStartProcess> StartWithAsync(string home, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ParallaxTool.Path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ClusterProfile.HomeVariable] = home;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var silo = new SiloStartProcess(Process.Start(start)!);
        silo.process.ErrorDataReceived += (_, e) =>
        {
            lock (silo.stderr)
            {
                silo.stderr.AppendLine(e.Data);
            }
        };
        silo.process.BeginErrorReadLine();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (await silo.process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
            {
                if (ReadyLine().Match(line) is { Success: true } ready)
                {
                    silo.EngineIds = [.. ready.Groups[1].Value.Split(", ").Select(id => int.Parse(id, CultureInfo.InvariantCulture))];
                    _ = silo.process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return silo;
                }
            }

            throw new Xunit.Sdk.XunitException($"`parallax {string.Join(' ', arguments)}` ended before its silos were ready: {silo.Stderr}");
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM, as Ctrl+C or systemd would, and waits for it to stop its silos and exit 0.</summary>
    public async Task StopAsync()
    {
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(guard.Token);
        Assert.True(process.ExitCode == 0, $"silo start exited {process.ExitCode}: {Stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            try
            {
                await StopAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or Xunit.Sdk.XunitException)
            {
                // Its silos see their stdin close and end with it.
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
    }

    [GeneratedRegex(@"^Ready: engines ([\d, ]+) of cluster")]
    private static partial Regex ReadyLine();
}
