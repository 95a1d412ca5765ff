using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Parallax.Engines.Transport;

namespace Parallax.Engines.Silos;

/// <summary>
/// What silos and clients of one cluster prove to each other: one certificate with its private key,
/// generated for the cluster and kept in a file only its owner can read (0600, in a 0700 folder).
/// Every connection (silo to silo, client to gateway) is TLS in both directions, and each side
/// accepts only a peer that presents this very certificate (its SHA-256 thumbprint), so a process
/// without the file can neither join as a silo nor connect as a client. There is no certificate
/// authority to trust or revoke: a new cluster key is a new file on every machine.
/// </summary>
internal sealed class ClusterCredentials
{
    /// <summary>The file name of a cluster's credentials inside its folder.</summary>
    public const string FileName = "cluster.pfx";

    /// <summary>
    /// The credentials path that means "no TLS at all", honoured only while the environment variable of
    /// that name is set to <see cref="Insecure"/> too: it exists to measure what TLS costs
    /// (tests/Parallax.Benchmarks engines-orleans --without-tls), never to run a cluster, since then
    /// anyone who reaches a gateway port runs code on the engines.
    /// </summary>
    public const string Insecure = "PARALLAX_BENCHMARK_WITHOUT_TLS";

    /// <summary>Whether <paramref name="path"/> asks for no TLS, and the environment allows it.</summary>
    public static bool IsInsecure(string path) =>
        path == Insecure && Environment.GetEnvironmentVariable(Insecure) == Insecure;

    private readonly byte[] thumbprint;

    private ClusterCredentials(X509Certificate2 certificate, string path)
    {
        Certificate = certificate;
        Path = path;
        thumbprint = certificate.GetCertHash(HashAlgorithmName.SHA256);
    }

    /// <summary>Gets the cluster's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the file it was read from.</summary>
    public string Path { get; }

    /// <summary>Generates a new cluster certificate (ECDSA P-256, self-signed) into <paramref name="folder"/>, which is created owner-only.</summary>
    /// <param name="folder">Where the credentials go; created 0700 when missing.</param>
    /// <param name="cluster">The cluster's name, for the certificate's subject.</param>
    public static ClusterCredentials Create(string folder, string cluster)
    {
        if (!Directory.Exists(folder))
        {
            OwnerOnly.CreateDirectory(folder);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=parallax-{cluster}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectAlternativeNameExtension(new SubjectAlternativeNameBuilder().Build().RawData));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var path = System.IO.Path.Combine(folder, FileName);

        // Created empty and owner-only before the key is written into it: never readable by others, not even briefly.
        using (var file = new FileStream(path, OwnerOnly.NewFile(FileAccess.Write)))
        {
            file.Write(certificate.Export(X509ContentType.Pkcs12));
        }

        return Read(path);
    }

    /// <summary>Reads a cluster's credentials from <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file: the cluster's owner has it (in the profile), copy it to this machine.</exception>
    /// <exception cref="UnauthorizedAccessException">Others can read the file: anyone who can read it can run code on the engines.</exception>
    public static ClusterCredentials Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The cluster credentials '{path}' do not exist. They are made when the cluster is created (parallax cluster start); copy the file, mode 0600, to every machine that runs a silo or a client of the cluster.", path);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new UnauthorizedAccessException($"The cluster credentials '{path}' can be read or written by other users, and whoever reads them can run code on the cluster's engines. Run chmod 600 '{path}' and start again.");
        }

        return new ClusterCredentials(X509CertificateLoader.LoadPkcs12FromFile(path, null), path);
    }

    /// <summary>Sets up TLS for either side: present the cluster certificate, require the peer's, accept only it.</summary>
    public void Configure(TlsOptions tls)
    {
        tls.LocalCertificate = Certificate;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = IsClusterPeer;
    }

    /// <summary>TLS for the server side of a data port (<see cref="DataPort"/>): the cluster certificate, and the client's required and pinned.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsClusterPeer(certificate, chain, errors),
    };

    /// <summary>TLS for a client of a data port: presents the cluster certificate, accepts only a silo that presents it.</summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = "parallax",
        ClientCertificates = [Certificate],
        LocalCertificateSelectionCallback = (_, _, _, _, _) => Certificate,
        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => IsClusterPeer(certificate, chain, errors),
    };

    private bool IsClusterPeer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && IsClusterPeer(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), chain, errors);

    /// <summary>
    /// Whether a peer presented the cluster's own certificate. The chain is not built against any
    /// authority (the certificate is self-signed, so the policy reports it untrusted): the pinned
    /// thumbprint is what vouches, and TLS has checked that the peer holds its private key.
    /// </summary>
    private bool IsClusterPeer(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors) =>
        (errors & SslPolicyErrors.RemoteCertificateNotAvailable) == 0
        && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), thumbprint);
}
