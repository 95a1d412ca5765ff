using System.Globalization;
using System.Text;

namespace Parallax.Engines.Transport;

/// <summary>
/// A standing cluster's record: the file <c>parallax cluster start</c> writes and
/// <c>Client.ConnectAsync</c> reads, <c>&lt;home&gt;/profile_&lt;name&gt;/connection.txt</c>. Plain
/// <c>name=value</c> lines, as the engines' connection file. The common fields say which profile, which
/// backend serves it (<see cref="Backend"/>: <c>local</c> engine processes on this machine now; another
/// backend, such as Orleans silos, adds its own fields beside them), how many engines, since when, and
/// which process keeps the cluster (<see cref="Daemon"/>: while it lives, the cluster runs). A backend
/// reads the rest (<see cref="Fields"/>); the local one finds its <see cref="ConnectionInfo"/> there,
/// the cluster key among it, which is why the file is 0600 in a 0700 folder, written once and replaced
/// whole (a new file renamed over the old), never edited in place.
/// </summary>
internal sealed record ClusterProfile(string Name, string FilePath, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>The profile <c>parallax cluster start</c> and <c>Client.ConnectAsync()</c> use when none is named.</summary>
    public const string DefaultName = "default";

    /// <summary>The environment variable that moves Parallax's home from <c>~/.parallax</c> (tests use temporary folders).</summary>
    public const string HomeVariable = "PARALLAX_HOME";

    /// <summary>The backend of engine processes on this machine.</summary>
    public const string LocalBackend = "local";

    /// <summary>The file's name inside a profile's folder.</summary>
    public const string FileName = "connection.txt";

    /// <summary>The version of the file's layout; a reader refuses a newer one.</summary>
    public const int Format = 1;

    /// <summary>Gets Parallax's home folder: <see cref="HomeVariable"/> when set, else <c>.parallax</c> in the user's home.</summary>
    public static string Home => Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home
        ? Path.GetFullPath(home)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parallax");

    /// <summary>Gets the backend that serves this profile (<see cref="LocalBackend"/>, or one a later package registers).</summary>
    public string Backend => Value("backend");

    /// <summary>Gets how many engines the cluster was started with, their ids 0 to this − 1; 0 when a client counts them as it connects (engines started elsewhere).</summary>
    public int EngineCount => int.Parse(Value("engines"), CultureInfo.InvariantCulture);

    /// <summary>Gets when the cluster became ready.</summary>
    public DateTimeOffset Created => DateTimeOffset.Parse(Value("created"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <summary>Gets the process that keeps the cluster, as <see cref="ClusterOwner.Identity"/> names it (pid, start time, pid namespace).</summary>
    public string Daemon => Value("daemon");

    /// <summary>
    /// The <see cref="Daemon"/> of a profile that no process on this machine keeps: it points at engines
    /// started elsewhere (silos started with <c>parallax silo start</c> on their machines), which live
    /// and end without it.
    /// </summary>
    public const string NoDaemon = "none";

    /// <summary>Gets whether a process on this machine keeps the cluster (false: <see cref="NoDaemon"/>).</summary>
    public bool HasDaemon => Daemon != NoDaemon;

    /// <summary>Gets the daemon's process id (0 without a daemon).</summary>
    public int DaemonPid => HasDaemon ? int.Parse(Daemon.Split(' ')[0], CultureInfo.InvariantCulture) : 0;

    /// <summary>Gets the Parallax version the cluster's engines run.</summary>
    public string Version => Fields.TryGetValue("parallaxVersion", out var v) ? v : "unknown";

    /// <summary>Gets whether the process that keeps the cluster still runs (the same process: pid and start time); false without a daemon.</summary>
    public bool IsRunning => HasDaemon && ClusterOwner.Identity(DaemonPid) == Daemon;

    /// <summary>Gets the folder of profile <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or holds characters other than letters, digits, '-', '_' and '.'.</exception>
    public static string FolderOf(string name) => Path.Combine(Home, "profile_" + CheckName(name));

    /// <summary>Gets the file of profile <paramref name="name"/>.</summary>
    public static string FileOf(string name) => Path.Combine(FolderOf(name), FileName);

    /// <summary>Gets the names of the profiles that have a file under <see cref="Home"/>.</summary>
    public static IEnumerable<string> Names() => Directory.Exists(Home)
        ? Directory.EnumerateDirectories(Home, "profile_*")
            .Where(d => File.Exists(Path.Combine(d, FileName)))
            .Select(d => Path.GetFileName(d)["profile_".Length..])
            .Order(StringComparer.Ordinal)
        : [];

    /// <summary>The profile a connection file belongs to, from its folder's name (<c>profile_NAME</c>); <see cref="DefaultName"/> for a file elsewhere.</summary>
    public static string NameOf(string path) => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) is { } folder && folder.StartsWith("profile_", StringComparison.Ordinal) && folder.Length > "profile_".Length
        ? folder["profile_".Length..]
        : DefaultName;

    /// <summary>Checks a profile name: one path segment of letters, digits, '-', '_' and '.'.</summary>
    public static string CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && name is not ("." or "..")
            ? name
            : throw new ArgumentException($"'{name}' is not a profile name: use letters, digits, '-', '_' and '.' only.", nameof(name));
    }

    /// <summary>Reads the profile in <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file lacks a field every profile has, or is of a newer layout.</exception>
    public static ClusterProfile Read(string path)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var equals = line.IndexOf('=');
            if (equals > 0 && !line.StartsWith('#'))
            {
                fields[line[..equals]] = line[(equals + 1)..];
            }
        }

        var profile = new ClusterProfile(fields.GetValueOrDefault("profile", NameOf(path)), Path.GetFullPath(path), fields);
        foreach (var required in (string[])["format", "backend", "engines", "created", "daemon"])
        {
            _ = profile.Value(required);
        }

        if (!int.TryParse(fields["format"], NumberStyles.None, CultureInfo.InvariantCulture, out var format) || format > Format)
        {
            throw new InvalidDataException($"The cluster profile '{path}' has format {fields["format"]}; this Parallax reads format {Format} and older. Update the Parallax package to the version of the parallax tool that wrote it.");
        }

        return profile;
    }

    /// <summary>
    /// Writes a profile file: common fields first, then the backend's, into a new 0600 file beside
    /// <paramref name="path"/> that then replaces it, so a reader sees the old file or the new one whole.
    /// </summary>
    public static ClusterProfile Write(string path, string name, string backend, int engineCount, string daemon, IEnumerable<KeyValuePair<string, string>> backendFields)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("format", Format.ToString(CultureInfo.InvariantCulture)),
            new("profile", name),
            new("backend", backend),
            new("engines", engineCount.ToString(CultureInfo.InvariantCulture)),
            new("created", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)),
            new("daemon", daemon),
            new("parallaxVersion", typeof(ClusterProfile).Assembly.GetName().Version?.ToString() ?? "unknown"),
        };
        fields.AddRange(backendFields);
        var text = new StringBuilder("# A standing Parallax cluster (parallax cluster start). It holds the cluster's key: keep it private.\n");
        foreach (var (key, value) in fields)
        {
            if (key.Contains('=') || key.Contains('\n') || value.Contains('\n'))
            {
                throw new ArgumentException($"The profile field '{key}' cannot be written as one name=value line.", nameof(backendFields));
            }

            text.Append(key).Append('=').Append(value).Append('\n');
        }

        var temporary = $"{path}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.new";
        File.Delete(temporary);
        using (var stream = new FileStream(temporary, OwnerOnly.NewFile(FileAccess.Write)))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        }

        File.Move(temporary, path, overwrite: true);
        return Read(path);
    }

    /// <summary>Gets field <paramref name="name"/>.</summary>
    /// <exception cref="InvalidDataException">The profile has no such field.</exception>
    public string Value(string name) => Fields.TryGetValue(name, out var value)
        ? value
        : throw new InvalidDataException($"The cluster profile '{FilePath}' has no '{name}' line: it was not written by the parallax tool, or by a version this Parallax does not read.");

    /// <summary>The command that starts this profile's cluster, for messages.</summary>
    public static string StartCommand(string name) => name == DefaultName ? "parallax cluster start -n 3" : $"parallax cluster start -n 3 --profile {name}";
}
