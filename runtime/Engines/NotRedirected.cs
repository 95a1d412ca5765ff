namespace Parallax;

/// <summary>
/// Builds the exception thrown by view methods whose call was not redirected to a generated stub:
/// the generator did not run on the calling project, or the delegate was not known at build time.
/// </summary>
internal static class NotRedirected
{
    public static InvalidOperationException Create(string method) => new(
        $"{method} ran without its build-time dispatch stub. Engines run only code the Parallax generator saw at build time: " +
        "pass a lambda or a method group directly at the call (not a delegate variable), and make sure the project references " +
        "the Parallax package (its generator) and that warning CS9057 is not suppressed.");
}
