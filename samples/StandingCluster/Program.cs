using System.Diagnostics;
using System.Reflection;
using Parallax;

// The seed's workflow with a cluster that outlives the programs using it:
//
//     parallax cluster start -n 3 --profile standing-sample      (once, in a terminal)
//     program 1: Client.ConnectAsync, PushSync(a, b), Execute("var c = Linalg.Dot(a, b);"), exit
//     program 2: Client.ConnectAsync, PullSync<double[,]>("c")       (the variables are still there)
//     parallax cluster stop --profile standing-sample
//
// Run with no argument, this program plays the terminal: it starts the cluster with the tool, runs
// itself as program 1 and then as program 2 (two processes, one after the other), and stops the
// cluster. `--first` and `--second` are the two programs.
const string Profile = "standing-sample";
const int N = 300;

return args switch
{
    ["--first"] => await First(),
    ["--second"] => await Second(),
    _ => await Terminal(),
};

static async Task<int> First()
{
    var started = Stopwatch.StartNew();
    await using var client = await Client.ConnectAsync(Profile);
    Console.WriteLine($"[program 1] connected in {started.Elapsed.TotalMilliseconds:F1} ms to engines {string.Join(", ", client.Ids)}");
    var v = client[..];
    var (a, b) = (Matrix(N, 1), Matrix(N, 2));
    v.PushSync(new { a, b });
    v.ExecuteSync("var c = Linalg.Dot(a, b);");
    var r = v.ExecuteAsync("Console.WriteLine($\"engine {Engine.Id}: c[0, 0] = {c[0, 0]:F3}\");");
    await r;
    r.DisplayOutputs();
    Console.WriteLine("[program 1] pushed a and b, computed c on every engine; exiting (the engines keep them)");
    return 0;
}

static async Task<int> Second()
{
    await using var client = await Client.ConnectAsync(Profile);
    var c = client[..].PullSync<double[,]>("c");
    var expected = Linalg.Dot(Matrix(N, 1), Matrix(N, 2));
    var same = c.All(ci => ci.Cast<double>().Zip(expected.Cast<double>()).All(p => Math.Abs(p.First - p.Second) <= 1e-9 * Math.Abs(p.Second)));
    Console.WriteLine($"[program 2] pulled c ({N}x{N}) from {c.Length} engines, pushed and computed by program 1: {(same ? "equal to a local Linalg.Dot(a, b)" : "DIFFERENT from a local Linalg.Dot(a, b)")}");
    return same ? 0 : 1;
}

static async Task<int> Terminal()
{
    var start = await Run(Tool(), "cluster", "start", "-n", "3", "--profile", Profile);
    if (start != 0 && start != 3)
    {
        return start;
    }

    try
    {
        var self = Assembly.GetEntryAssembly()!.Location;
        var first = await Run(Dotnet(), self, "--first");
        var second = first == 0 ? await Run(Dotnet(), self, "--second") : first;
        await Run(Tool(), "cluster", "list");
        return second;
    }
    finally
    {
        // Only a cluster this run started: one that was running already is the user's.
        if (start == 0)
        {
            await Run(Tool(), "cluster", "stop", "--profile", Profile);
        }
    }
}

static double[,] Matrix(int n, int seed)
{
    var random = new Random(seed);
    var m = new double[n, n];
    for (var i = 0; i < n; i++)
    {
        for (var j = 0; j < n; j++)
        {
            m[i, j] = random.NextDouble();
        }
    }

    return m;
}

// The tool: $PARALLAX_TOOL, else this repository's build of it, else `parallax` from the PATH (dotnet tool install --global Parallax.Cli).
static string[] Tool()
{
    if (Environment.GetEnvironmentVariable("PARALLAX_TOOL") is { Length: > 0 } tool)
    {
        return [tool];
    }

    var built = typeof(Client).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Concat(Assembly.GetEntryAssembly()!.GetCustomAttributes<AssemblyMetadataAttribute>())
        .FirstOrDefault(a => a.Key == "ParallaxCli")?.Value;
    return built is not null && File.Exists(built) ? [.. Dotnet(), Path.GetFullPath(built)] : ["parallax"];
}

static string[] Dotnet() => [Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet"];

static async Task<int> Run(string[] command, params string[] arguments)
{
    var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
    foreach (var argument in command.Skip(1).Concat(arguments))
    {
        start.ArgumentList.Add(argument);
    }

    Console.WriteLine($"$ {string.Join(' ', command.Skip(1).Select(Path.GetFileName).Prepend(Path.GetFileName(command[0])).Concat(arguments))}");
    using var process = Process.Start(start)!;
    await process.WaitForExitAsync();
    return process.ExitCode;
}
