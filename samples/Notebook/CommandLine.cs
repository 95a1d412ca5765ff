namespace Notebook;

/// <summary>
/// A sample's command line: the options it knows, a usage text with its section list for <c>--help</c>,
/// and exit code 2 with that usage for anything else, so that a typo never starts a 5000² notebook.
/// </summary>
internal sealed class CommandLine
{
    private readonly string _command;
    private readonly string _description;
    private readonly List<Option> _options = [];
    private readonly List<(string Name, string Title)> _sections = [];
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private Option? _positional;

    public CommandLine(string command, string description)
    {
        _command = command;
        _description = description;
        Flag("--help", "Print this text and exit.");
    }

    private sealed record Option(string Name, string? Value, string Help, Func<string, string?>? Check, bool Hidden);

    /// <summary>An option without a value, such as <c>--quick</c>.</summary>
    public CommandLine Flag(string name, string help, bool hidden = false)
    {
        _options.Add(new Option(name, null, help, null, hidden));
        return this;
    }

    /// <summary>An option with a value (<c>--reps N</c>); <paramref name="check"/> returns why a value is wrong, or null.</summary>
    public CommandLine Valued(string name, string value, string help, Func<string, string?>? check = null)
    {
        _options.Add(new Option(name, value, help, check, Hidden: false));
        return this;
    }

    /// <summary>One optional argument without a name (<c>N</c>).</summary>
    public CommandLine Positional(string value, string help, Func<string, string?>? check = null)
    {
        _positional = new Option(value, value, help, check, Hidden: false);
        return this;
    }

    /// <summary>The sections <c>--section NAME</c> chooses from; a name matches a section whose name contains it.</summary>
    public CommandLine Sections(IEnumerable<(string Name, string Title)> sections)
    {
        _sections.AddRange(sections);
        return Valued("--section", "NAME", "Run only the sections whose name contains NAME (case-insensitive; NAME,NAME,... for several).", names =>
            names.Split(',').FirstOrDefault(name => !_sections.Any(s => Matches(s.Name, name))) is { } unknown ? $"no section matches '{unknown}'" : null);
    }

    /// <summary>Whether a flag was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>An option's value, or null when it was not given.</summary>
    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>Whether <paramref name="section"/> runs under <c>--section</c> (every section runs without it).</summary>
    public bool Runs(string section) => this["--section"] is not { } only || Matches(section, only);

    /// <summary>
    /// Reads <paramref name="args"/>. Returns null when the program should go on, or the exit code once it
    /// has printed the usage: 0 for <c>--help</c>, 2 (with the reason, on stderr) for anything it does not know.
    /// </summary>
    public int? Parse(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var option = _options.FirstOrDefault(o => o.Name == args[i]);
            if (option is null && _positional is not null && !args[i].StartsWith('-') && !_values.ContainsKey(_positional.Name))
            {
                option = _positional;
                i--;
            }

            if (option is null)
            {
                return Fail($"unknown {(args[i].StartsWith('-') ? "option" : "argument")} '{args[i]}'");
            }

            string value = string.Empty;
            if (option.Value is not null)
            {
                if (++i >= args.Length)
                {
                    return Fail($"{option.Name} needs a value ({option.Value})");
                }

                value = args[i];
                if (option.Check?.Invoke(value) is { } why)
                {
                    return Fail($"{option.Name} {value}: {why}");
                }
            }

            _values[option.Name] = value;
        }

        if (Has("--help"))
        {
            Console.Out.Write(Usage());
            return 0;
        }

        return null;
    }

    private int Fail(string why)
    {
        Console.Error.WriteLine($"error: {why}");
        Console.Error.WriteLine();
        Console.Error.Write(Usage());
        return 2;
    }

    private string Usage()
    {
        var visible = _options.Where(o => !o.Hidden).ToList();
        var text = new System.Text.StringBuilder();
        string positional = _positional is null ? string.Empty : $" [{_positional.Value}]";
        text.AppendLine($"Usage: {_command} [options]{positional}").AppendLine().AppendLine(_description).AppendLine().AppendLine("Options:");
        foreach (var o in (_positional is null ? visible : visible.Append(_positional)))
        {
            text.AppendLine($"  {(o == _positional ? o.Value : o.Value is null ? o.Name : o.Name + " " + o.Value),-18} {o.Help}");
        }

        if (_sections.Count > 0)
        {
            text.AppendLine().AppendLine("Sections, in the order they run:");
            foreach (var (name, title) in _sections)
            {
                text.AppendLine($"  {name,-18} {title}");
            }
        }

        return text.ToString();
    }

    // Several names run every section any of them matches, in the notebook's order: a later section can
    // depend on the state an earlier one leaves (the Numba cell after the GIL experiment's heap).
    private static bool Matches(string section, string names) =>
        names.Split(',').Any(name => name.Length > 0 && section.Contains(name, StringComparison.OrdinalIgnoreCase));
}
