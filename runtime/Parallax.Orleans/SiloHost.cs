using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Parallax.Engines.Silos;

/// <summary>
/// The silo process: an Orleans silo named <c>engine-{id}</c> that hosts engine grain <c>id</c>, with TLS
/// to every peer (<see cref="ClusterCredentials"/>), failure detection tuned to find a dead silo in about
/// a second, and calls allowed to run as long as user code does. It prints <see cref="ReadyLine"/> once
/// it has joined the cluster, and stops on SIGTERM, SIGINT or, with <c>--watch-stdin</c>, when its
/// stdin closes (the process that started it ended, however it ended).
/// </summary>
internal static class SiloHost
{
    /// <summary>The line a silo prints on stdout once it has joined the cluster.</summary>
    public const string ReadyLine = "parallax-silo-ready";

    /// <summary>The Orleans service id every Parallax cluster uses; clusters differ by cluster id.</summary>
    public const string ServiceId = "parallax";

    /// <summary>How long a silo that stops waits for Orleans to leave the cluster gracefully.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        SiloArguments arguments;
        try
        {
            arguments = SiloArguments.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}{SiloArguments.Usage}").ConfigureAwait(false);
            return 2;
        }

        var log = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardError()) { AutoFlush = true });
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        var credentials = ClusterCredentials.IsInsecure(arguments.Credentials) ? null : ClusterCredentials.Read(arguments.Credentials);
        var engine = new SiloEngine(arguments.EngineId);
        using var dataPort = new DataPort(arguments.Address, arguments.DataPort ?? 0, credentials, engine, line => log.WriteLine($"[silo {EnginePlacement.SiloName(arguments.EngineId)}] {line}"));
        engine.Listening(dataPort.Port);

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new WriterLoggerProvider(log, $"[silo {EnginePlacement.SiloName(arguments.EngineId)}]"));
        builder.Logging.SetMinimumLevel(arguments.LogLevel);
        builder.Services.AddSingleton(engine);
        builder.UseOrleans(silo => Configure(silo, arguments, credentials));
        using var host = builder.Build();

        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult("SIGTERM"); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult("SIGINT"); });
        if (arguments.WatchStdin)
        {
            WatchStdin(stop);
        }

        await host.StartAsync().ConfigureAwait(false);
        await stdout.WriteLineAsync(ReadyLine).ConfigureAwait(false);
        var reason = await stop.Task.ConfigureAwait(false);
        await log.WriteLineAsync($"[silo {EnginePlacement.SiloName(arguments.EngineId)}] stopping: {reason}").ConfigureAwait(false);
        using var grace = new CancellationTokenSource(StopGrace);
        try
        {
            await host.StopAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Not left gracefully in time: the others declare it dead as if it had crashed.
        }

        return 0;
    }

    private static void Configure(ISiloBuilder silo, SiloArguments arguments, ClusterCredentials? credentials)
    {
        if (arguments.Membership is { } membership)
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = Membership.RedisOptions(membership));
            silo.Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (arguments.Cluster, ServiceId));

            // Advertised in the table and listened on: loopback unless --address names this machine's address on the network.
            silo.ConfigureEndpoints(arguments.Address, arguments.SiloPort, arguments.GatewayPort, listenOnAnyHostAddress: false);
        }
        else
        {
            var primary = arguments.PrimaryPort is { } port ? new IPEndPoint(IPAddress.Loopback, port) : null;
            silo.UseLocalhostClustering(arguments.SiloPort, arguments.GatewayPort, primary, ServiceId, arguments.Cluster);
        }

        silo.Configure<SiloOptions>(o => o.SiloName = EnginePlacement.SiloName(arguments.EngineId));
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // A silo that stops answering is suspected after a second and declared dead by two voters:
            // about 1.3 s on loopback, against Orleans' default of 5 s probes.
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
        });
        silo.Configure<SiloMessagingOptions>(o =>
        {
            // User code runs as long as it runs: a call is over when it answers or its silo dies (found
            // through membership), never at a fixed time (the grain interface's [ResponseTimeout] says the same to callers).
            o.MaxRequestProcessingTime = OrleansEngines.CallTimeout;
            o.RequestProcessingWarningTime = TimeSpan.FromHours(1);
        });
        silo.AddPlacementDirector<EnginePlacement, EnginePlacementDirector>();
        if (credentials is not null)
        {
            silo.UseTls(credentials.Certificate, credentials.Configure);
        }
    }

    private static void WatchStdin(TaskCompletionSource<string> stop) => new Thread(() =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[64];
        try
        {
            while (stdin.Read(buffer) > 0)
            {
            }
        }
        catch (IOException)
        {
        }

        stop.TrySetResult("its stdin closed (the process that started it ended)");
    }) { IsBackground = true, Name = "parallax-silo-stdin" }.Start();
}

/// <summary>A silo's command line.</summary>
/// <remarks>The membership may come from <see cref="Membership.EnvironmentVariable"/> instead of the command line (a password stays out of <c>ps</c>).</remarks>
internal sealed record SiloArguments(int EngineId, string Cluster, string Credentials, int SiloPort, int GatewayPort, int? PrimaryPort, int? DataPort, bool WatchStdin, LogLevel LogLevel, string? Membership = null, IPAddress? AddressOrNull = null)
{
    public const string Usage =
        "usage: Parallax.Silo --id <engine id> --cluster <name> --credentials <cluster.pfx> --silo-port <port> --gateway-port <port> " +
        "[--primary-port <silo port of engine 0's silo> | --membership redis://[:password@]host:port (or $" + Silos.Membership.EnvironmentVariable + ") [--address <IP to advertise and listen on>]] " +
        "[--data-port <port>] [--watch-stdin] [--log-level Warning]";

    /// <summary>Gets the address the silo listens on and advertises: loopback unless <c>--address</c> says otherwise.</summary>
    public IPAddress Address => AddressOrNull ?? IPAddress.Loopback;

    /// <exception cref="ArgumentException">An argument is missing or malformed.</exception>
    public static SiloArguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var watch = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--watch-stdin")
            {
                watch = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                values[args[i]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is missing.");
        int Port(string name) => int.TryParse(Required(name), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"{name} '{values[name]}' is not a port number.");

        var membership = values.GetValueOrDefault("--membership") ?? (Environment.GetEnvironmentVariable(Silos.Membership.EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        return new SiloArguments(
            int.TryParse(Required("--id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw new ArgumentException($"--id '{values["--id"]}' is not an engine id (0, 1, ...)."),
            Required("--cluster"),
            Required("--credentials"),
            Port("--silo-port"),
            Port("--gateway-port"),
            values.ContainsKey("--primary-port") ? Port("--primary-port") : null,
            values.ContainsKey("--data-port") ? Port("--data-port") : null,
            watch,
            values.TryGetValue("--log-level", out var level) ? Enum.Parse<LogLevel>(level, ignoreCase: true) : LogLevel.Warning,
            membership is null ? null : Silos.Membership.Checked(membership),
            values.TryGetValue("--address", out var address) ? ParseAddress(address, membership is not null) : null);

        static IPAddress ParseAddress(string text, bool withMembership) =>
            !IPAddress.TryParse(text, out var address) ? throw new ArgumentException($"--address '{text}' is not an IP address; give the address other machines reach this one at, e.g. 10.0.0.7.")
            : !withMembership && !IPAddress.IsLoopback(address) ? throw new ArgumentException($"--address {text} needs --membership: without a membership table, silos find each other on loopback only.")
            : address;
    }
}

/// <summary>Writes log lines to a writer of its own (a silo's stderr), never to <see cref="Console.Out"/>, which is captured during calls.</summary>
internal sealed class WriterLoggerProvider(TextWriter writer, string prefix) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new WriterLogger(writer, prefix, categoryName);

    public void Dispose()
    {
    }

    private sealed class WriterLogger(TextWriter writer, string prefix, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{prefix} {logLevel} {category}: {formatter(state, exception)}";
            writer.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
        }
    }
}
