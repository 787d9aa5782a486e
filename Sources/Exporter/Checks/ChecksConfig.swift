import Model

/// A validated checks file.
public struct ChecksConfig: Sendable {
    public var checks: [CheckConfig]

    public init(checks: [CheckConfig] = []) { self.checks = checks }
}

/// One configured check.
public struct CheckConfig: Sendable {
    /// Unique within the file; the `check` label of every metric it produces.
    public var name: String
    /// Extra labels on every metric of the check, sorted by name.
    public var labels: [LabelPair]
    /// How often the check runs; zero runs it on every scrape.
    public var interval: PromDuration
    /// The longest one run may take before it counts as failed.
    public var timeout: PromDuration
    public var kind: CheckKind

    public init(name: String, labels: [LabelPair] = [], interval: PromDuration = .zero, timeout: PromDuration = PromDuration(seconds: 5), kind: CheckKind) {
        self.name = name
        self.labels = labels.sorted { $0.name < $1.name }
        self.interval = interval
        self.timeout = timeout
        self.kind = kind
    }

    /// The check's type as written in the file.
    public var typeName: String { kind.typeName }
}

/// What a check does, with its type-specific settings.
public enum CheckKind: Sendable {
    case port(PortCheckConfig)
    case service(ServiceCheckConfig)
    case process(ProcessCheckConfig)
    case tcp(TCPProbeConfig)
    case http(HTTPProbeConfig)
    case command(CommandCheckConfig)
    case file(FileCheckConfig)

    public var typeName: String {
        switch self {
        case .port: return "port"
        case .service: return "service"
        case .process: return "process"
        case .tcp: return "tcp"
        case .http: return "http"
        case .command: return "command"
        case .file: return "file"
        }
    }
}

/// Transport of a listening socket.
public enum SocketProtocol: String, Sendable, Hashable {
    case tcp, udp
}

/// Is something listening on a port.
public struct PortCheckConfig: Sendable {
    public var port: Int
    public var proto: SocketProtocol
    /// When set, a listener must be bound to this address (or to the wildcard address
    /// of its family, which covers it).
    public var address: String?

    public init(port: Int, proto: SocketProtocol = .tcp, address: String? = nil) {
        self.port = port
        self.proto = proto
        self.address = address
    }
}

/// The state of a systemd unit.
public struct ServiceCheckConfig: Sendable {
    /// Full unit name; `nginx` is read as `nginx.service`, as systemctl does.
    public var unit: String
    /// The ActiveState that counts as success.
    public var expectedState: String

    public init(unit: String, expectedState: String = "active") {
        self.unit = unit.contains(".") ? unit : unit + ".service"
        self.expectedState = expectedState
    }
}

/// Which processes a process check counts. Every given matcher must match.
public struct ProcessCheckConfig: Sendable {
    /// Exact names compared with /proc/PID/comm (which the kernel cuts to 15 bytes).
    public var comm: [String]
    /// Executables: a name with a `/` is compared with the full path, otherwise with its base name.
    public var exe: [String]
    /// Regular expressions that must all be found in the space-joined command line.
    public var cmdline: [String]
    public var minCount: Int
    public var maxCount: Int?

    public init(comm: [String] = [], exe: [String] = [], cmdline: [String] = [], minCount: Int = 1, maxCount: Int? = nil) {
        self.comm = comm
        self.exe = exe
        self.cmdline = cmdline
        self.minCount = minCount
        self.maxCount = maxCount
    }
}

/// blackbox_exporter's tcp prober: connect, optionally send and expect.
public struct TCPProbeConfig: Sendable {
    /// `host:port`, `[v6]:port`.
    public var address: String
    public var send: String?
    /// A regular expression the received data must contain.
    public var expect: String?

    public init(address: String, send: String? = nil, expect: String? = nil) {
        self.address = address
        self.send = send
        self.expect = expect
    }
}

/// blackbox_exporter's http prober.
public struct HTTPProbeConfig: Sendable {
    public var url: String
    public var method: String
    public var headers: [(String, String)]
    public var body: String?
    /// Empty means any 2xx.
    public var validStatusCodes: [Int]
    public var failIfBodyMatches: [String]
    public var failIfBodyNotMatches: [String]
    public var followRedirects: Bool
    public var maxBodyBytes: Int
    /// How https:// targets are verified (blackbox_exporter's `tls_config`).
    public var tls: ProbeTLSConfig

    public init(url: String, method: String = "GET", headers: [(String, String)] = [], body: String? = nil, validStatusCodes: [Int] = [],
                failIfBodyMatches: [String] = [], failIfBodyNotMatches: [String] = [], followRedirects: Bool = true, maxBodyBytes: Int = 1 << 20,
                tls: ProbeTLSConfig = ProbeTLSConfig()) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.validStatusCodes = validStatusCodes
        self.failIfBodyMatches = failIfBodyMatches
        self.failIfBodyNotMatches = failIfBodyNotMatches
        self.followRedirects = followRedirects
        self.maxBodyBytes = maxBodyBytes
        self.tls = tls
    }
}

/// TLS settings of an http probe, as Prometheus's and blackbox_exporter's `tls_config`.
public struct ProbeTLSConfig: Sendable {
    /// PEM file of CAs that verify the server; nil uses the system's.
    public var caFile: String?
    /// Client certificate and key for mutual TLS.
    public var certFile: String?
    public var keyFile: String?
    /// Name verified against the certificate and sent as SNI, instead of the URL's host.
    public var serverName: String?
    /// Accept any certificate (expiry and TLS version are still reported).
    public var insecureSkipVerify: Bool
    /// Lowest accepted version: `TLS10`, `TLS11`, `TLS12` (the default) or `TLS13`.
    public var minVersion: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
                insecureSkipVerify: Bool = false, minVersion: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
        self.minVersion = minVersion
    }

    /// The `min_version` spellings Prometheus accepts.
    public static let versions = ["TLS10", "TLS11", "TLS12", "TLS13"]
}

/// Runs a program and turns its result into metrics.
public struct CommandCheckConfig: Sendable {
    /// The argument vector; with `shell`, a single script for `/bin/sh -c`.
    public var command: [String]
    public var shell: Bool
    public var environment: [String: String]
    /// Output beyond this many bytes (per stream) is read and discarded.
    public var maxOutputBytes: Int
    public var successExitCodes: [Int32]
    public var metrics: [CommandMetricConfig]

    public init(command: [String], shell: Bool = false, environment: [String: String] = [:], maxOutputBytes: Int = 64 << 10,
                successExitCodes: [Int32] = [0], metrics: [CommandMetricConfig] = []) {
        self.command = command
        self.shell = shell
        self.environment = environment
        self.maxOutputBytes = maxOutputBytes
        self.successExitCodes = successExitCodes
        self.metrics = metrics
    }
}

/// A metric extracted from a command's standard output.
public struct CommandMetricConfig: Sendable {
    public enum Source: Sendable {
        /// The whole output, trimmed, is one number.
        case number
        /// A regular expression: every match is one sample, whose number is the group
        /// named `value` (or group 1) and whose labels are the other named groups.
        case regex(String)
        /// A path into JSON output: `.a.b[0].c` (a leading `$` is allowed).
        case jsonPath(String)
    }

    public var name: String
    public var help: String
    public var type: MetricType
    public var labels: [LabelPair]
    public var source: Source

    public init(name: String, help: String = "", type: MetricType = .gauge, labels: [LabelPair] = [], source: Source) {
        self.name = name
        self.help = help
        self.type = type
        self.labels = labels
        self.source = source
    }
}

/// Existence, size and age of a file.
public struct FileCheckConfig: Sendable {
    public var path: String
    /// Fails when the file was last modified longer ago than this.
    public var maxAge: PromDuration?
    /// Fails when the file is smaller than this many bytes.
    public var minSize: Int64?

    public init(path: String, maxAge: PromDuration? = nil, minSize: Int64? = nil) {
        self.path = path
        self.maxAge = maxAge
        self.minSize = minSize
    }
}
