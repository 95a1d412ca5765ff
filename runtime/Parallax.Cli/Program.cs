using System.CommandLine;
using Parallax.Cli;
using Parallax.Engines.Transport;

// parallax cluster start [-n N] [--profile NAME] [--backend local|orleans [--membership redis://host:port [--cluster NAME]]] [--foreground] | list | stop [--profile NAME] [--all]
// parallax silo start [-n N] [--profile NAME | --cluster NAME --membership redis://host:port --cert PATH] [--address IP] [--port-base P] [--first-id K]
var engines = new Option<int>("--engines", "-n") { Description = "How many engines to start.", DefaultValueFactory = _ => Environment.ProcessorCount };
var profile = new Option<string>("--profile") { Description = "The profile: which standing cluster. Its connection file is ~/.parallax/profile_NAME/connection.txt ($PARALLAX_HOME moves ~/.parallax).", DefaultValueFactory = _ => ClusterProfile.DefaultName };
var foreground = new Option<bool>("--foreground") { Description = "Run the cluster in this terminal until Ctrl+C, instead of returning once the engines are ready." };
var daemon = new Option<bool>(ClusterCommands.DaemonOption) { Hidden = true };
var backend = new Option<string>("--backend") { Description = "What runs the engines: 'local' (engine processes on this machine, reached through Unix sockets and shared memory) or 'orleans' (one Orleans silo process per engine, mutual TLS).", DefaultValueFactory = _ => ClusterProfile.LocalBackend };
backend.AcceptOnlyFromAmong(StandingDaemon.Backends);
var membership = new Option<string?>("--membership") { Description = $"With --backend orleans: where the silos keep their membership table, redis://host:port or redis://:password@host:port (Orleans' Redis clustering), instead of engine 0's silo. ${Parallax.Engines.Silos.Membership.EnvironmentVariable} keeps a password off the command line." };
var clusterName = new Option<string?>("--cluster") { Description = "With --backend orleans and --membership: start nothing; write a profile that points at cluster NAME, whose silos `parallax silo start` runs on their machines (the cluster's certificate is generated into the profile's folder once). -n, when given, is how many engines clients wait for; without it they take the engines active when they connect." };
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

var start = new Command("start", "Start engines that outlive every program; returns when they are ready.") { engines, profile, backend, membership, clusterName, foreground, daemon };
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
            Parallax.Engines.Silos.Membership.Checked(value);
        }
        catch (ArgumentException ex)
        {
            result.AddError(ex.Message);
        }
    }

    if (result.GetValue(clusterName) is { } name)
    {
        if (result.GetValue(backend) != "orleans")
        {
            result.AddError("--cluster is for --backend orleans only.");
        }

        if (MembershipOrEnvironment(result.GetValue(membership)) is null)
        {
            result.AddError($"--cluster needs --membership redis://host:port (or ${Parallax.Engines.Silos.Membership.EnvironmentVariable}): the silos of a cluster on several machines meet in its Redis.");
        }

        if (result.GetValue(foreground))
        {
            result.AddError("--cluster starts nothing, so there is nothing to keep in the foreground.");
        }

        CheckClusterName(name, result);
    }
});
start.SetAction((parse, cancellationToken) =>
{
    var name = parse.GetValue(profile)!;
    var count = parse.GetValue(engines);
    if (parse.GetValue(clusterName) is { } remote)
    {
        return Task.FromResult(ClusterCommands.WriteRemoteProfile(name, remote, MembershipOrEnvironment(parse.GetValue(membership))!, parse.GetResult(engines) is { Implicit: false } ? count : 0));
    }

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

var siloEngines = new Option<int>("--engines", "-n") { Description = "How many engines (one silo process each) this machine runs.", DefaultValueFactory = _ => 1 };
var siloProfile = new Option<string?>("--profile") { Description = "Take the cluster's name, membership and certificate from this profile (written by `parallax cluster start --backend orleans --cluster NAME`); options given override it." };
var siloCluster = new Option<string?>("--cluster") { Description = "The cluster's name: every machine's silos start with the same one." };
var siloMembership = new Option<string?>("--membership") { Description = $"The cluster's Redis, redis://host:port or redis://:password@host:port (or ${Parallax.Engines.Silos.Membership.EnvironmentVariable}, which keeps a password out of ps)." };
var certificate = new Option<string?>("--cert") { Description = "The cluster's certificate (the cluster.pfx in the profile's folder, copied here with mode 0600)." };
var address = new Option<string>("--address", "--advertise") { Description = "The address the silos listen on and advertise to the others: one of this machine's that the other machines and the clients reach.", DefaultValueFactory = _ => "127.0.0.1" };
var portBase = new Option<int?>("--port-base") { Description = "Listen on known ports, for a firewall: silo i of this machine takes P+3i (silo), P+3i+1 (gateway), P+3i+2 (data). Free ports when not given." };
var firstId = new Option<int?>("--first-id") { Description = "Take engine ids K, K+1, ... (refused if another process holds one) instead of the lowest free ids of the cluster." };
siloEngines.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int>() < 1)
    {
        result.AddError("--engines must be at least 1.");
    }
});
firstId.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int?>() is < 0)
    {
        result.AddError("--first-id must be 0 or more.");
    }
});
portBase.Validators.Add(result =>
{
    if (result.GetValueOrDefault<int?>() is < 1 or > 65000)
    {
        result.AddError("--port-base must be a port from 1 to 65000.");
    }
});
var siloStart = new Command("start", "Run this machine's engines of a cluster whose silos meet in Redis, until Ctrl+C or SIGTERM; a silo that dies is started again under its engine id.")
{
    siloEngines, siloProfile, siloCluster, siloMembership, certificate, address, portBase, firstId,
};
siloStart.Validators.Add(result =>
{
    if (result.GetValue(siloCluster) is { } name)
    {
        CheckClusterName(name, result);
    }
});
siloStart.SetAction(async (parse, cancellationToken) =>
{
    SiloCommands.Request request;
    try
    {
        request = SiloCommands.Resolve(parse.GetValue(siloEngines), parse.GetValue(siloProfile), parse.GetValue(siloCluster), parse.GetValue(siloMembership), parse.GetValue(certificate), parse.GetValue(address)!, parse.GetValue(portBase), parse.GetValue(firstId));
    }
    catch (Exception ex) when (ex is ArgumentException or InvalidDataException)
    {
        await Console.Error.WriteLineAsync($"{ex.Message}{Environment.NewLine}See `parallax silo start --help`.");
        return ExitCodes.Usage;
    }

    return await SiloCommands.RunAsync(request, new LineLogger(), cancellationToken);
});
var silo = new Command("silo", "This machine's silos of an Orleans cluster that spans machines (its membership in Redis).") { siloStart };
var root = new RootCommand("parallax: standing clusters of Parallax engines that programs reach with Client.ConnectAsync().") { cluster, silo };

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

static string? MembershipOrEnvironment(string? given) =>
    given ?? (Environment.GetEnvironmentVariable(Parallax.Engines.Silos.Membership.EnvironmentVariable) is { Length: > 0 } value ? value : null);

static void CheckClusterName(string name, System.CommandLine.Parsing.CommandResult result)
{
    if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
    {
        result.AddError($"'{name}' is not a cluster name: use letters, digits, '-', '_' and '.' only.");
    }
}
