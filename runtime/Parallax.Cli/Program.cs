using System.CommandLine;
using Parallax.Cli;
using Parallax.Engines.Transport;

// parallax cluster start [-n N] [--profile NAME] [--backend local|orleans [--membership redis://host:port]] [--foreground] | list | stop [--profile NAME] [--all]
var engines = new Option<int>("--engines", "-n") { Description = "How many engines to start.", DefaultValueFactory = _ => Environment.ProcessorCount };
var profile = new Option<string>("--profile") { Description = "The profile: which standing cluster. Its connection file is ~/.parallax/profile_NAME/connection.txt ($PARALLAX_HOME moves ~/.parallax).", DefaultValueFactory = _ => ClusterProfile.DefaultName };
var foreground = new Option<bool>("--foreground") { Description = "Run the cluster in this terminal until Ctrl+C, instead of returning once the engines are ready." };
var daemon = new Option<bool>(ClusterCommands.DaemonOption) { Hidden = true };
var backend = new Option<string>("--backend") { Description = "What runs the engines: 'local' (engine processes on this machine, reached through Unix sockets and shared memory) or 'orleans' (one Orleans silo process per engine, mutual TLS).", DefaultValueFactory = _ => ClusterProfile.LocalBackend };
backend.AcceptOnlyFromAmong(StandingDaemon.Backends);
var membership = new Option<string?>("--membership") { Description = "With --backend orleans: where the silos keep their membership table, redis://host:port (Orleans' Redis clustering), instead of engine 0's silo." };
var all = new Option<bool>("--all") { Description = "Stop every profile that runs." };

engines.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1)
    {
        result.AddError("--engines must be at least 1.");
    }
});
profile.Validators.Add(result =>
{
    try
    {
        ClusterProfile.CheckName(result.GetValueOrDefault<string>() ?? "");
    }
    catch (ArgumentException ex)
    {
        result.AddError(ex.Message);
    }
});

var start = new Command("start", "Start engines that outlive every program; returns when they are ready.") { engines, profile, backend, membership, foreground, daemon };
start.Validators.Add(result =>
{
    if (result.GetValue(membership) is { } value)
    {
        if (result.GetValue(backend) != "orleans")
        {
            result.AddError("--membership is for --backend orleans only.");
        }

        try
        {
            Parallax.Engines.Silos.Membership.RedisEndpoint(value);
        }
        catch (ArgumentException ex)
        {
            result.AddError(ex.Message);
        }
    }
});
start.SetAction((parse, cancellationToken) =>
{
    var name = parse.GetValue(profile)!;
    var count = parse.GetValue(engines);
    if (parse.GetValue(foreground))
    {
        var log = new LineLogger();
        return new StandingDaemon(name, count, parse.GetValue(backend)!, parse.GetValue(membership), log).RunAsync(detach: parse.GetValue(daemon), cancellationToken);
    }

    return ClusterCommands.StartAsync(name, count, parse.GetValue(backend)!, parse.GetValue(membership), cancellationToken);
});

var list = new Command("list", "List the profiles: state, engines alive, uptime, memory of each engine.");
list.SetAction(_ => ClusterCommands.List());

var stop = new Command("stop", "Stop a profile's engines; a profile that is not running is not an error.") { profile, all };
stop.SetAction((parse, cancellationToken) =>
    ClusterCommands.StopAsync(parse.GetValue(all) ? [.. ClusterProfile.Names()] : [parse.GetValue(profile)!], cancellationToken));

var cluster = new Command("cluster", "Standing clusters of Parallax engines (ipyparallel's ipcluster).") { start, list, stop };
var root = new RootCommand("parallax: standing clusters of Parallax engines that programs reach with Client.ConnectAsync().") { cluster };

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }

    Console.Error.WriteLine("See `parallax cluster --help`.");
    return ExitCodes.Usage;
}

if (OperatingSystem.IsWindows())
{
    Console.Error.WriteLine("Standing clusters use Unix domain sockets and shared memory; this version runs them on Linux and macOS.");
    return ExitCodes.Failed;
}

return await parsed.InvokeAsync();
