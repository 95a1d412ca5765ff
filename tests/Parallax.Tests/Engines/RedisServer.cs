using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Parallax.Tests.Engines;

/// <summary>
/// A redis-server of this test's own (Debian's package, installed by build/install-test-deps.sh) on a
/// free loopback port, persisting nothing: the membership table of silos that use Redis clustering.
/// Disposing kills it.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process process;

    private RedisServer(Process process, int port, string? password)
    {
        this.process = process;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    /// <summary>Gets the password the server requires (requirepass), or null.</summary>
    public string? Password { get; }

    /// <summary>Gets the membership the silos and clients are given, with the password when there is one.</summary>
    public string Membership => Password is null ? $"redis://127.0.0.1:{Port}" : $"redis://:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}";

    /// <summary>Starts a server; with <paramref name="password"/> it refuses clients that do not AUTH with it.</summary>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        var path = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException("redis-server is not installed: run build/install-test-deps.sh (it installs Debian's redis-server package).");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"])
        {
            start.ArgumentList.Add(argument);
        }

        if (password is not null)
        {
            // A throw-away server of the test's own: a password on its command line hides nothing that matters.
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(password);
        }

        var process = Process.Start(start)!;
        var server = new RedisServer(process, port, password);
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
            {
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    // Drain the rest of its log, so that it never blocks on a full pipe.
                    _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
                    return server;
                }
            }

            throw new Xunit.Sdk.XunitException($"redis-server on port {port} exited before it was ready (exit code {process.ExitCode}).");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }
}
