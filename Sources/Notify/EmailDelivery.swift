import Foundation
import HTTPClient
import Template

/// Builds a MIME message from an `email_configs` entry and sends it over SMTP.
enum EmailDelivery {
    static func send(_ c: EmailConfig, data: AlertmanagerTemplateData, value: TemplateValue,
                     templates: NotificationTemplates, now: Date, timeout: Duration) async throws -> DeliveryOutcome {
        var headers: [(String, String)] = []
        for (name, text) in c.headers.sorted(by: { $0.key < $1.key }) {
            headers.append((name, try templates.render(text, value)))
        }
        let to = try templates.render(c.to, value)
        let from = try templates.render(c.from, value)
        // Alertmanager renders the HTML body with html/template; escaping the data's
        // strings keeps label and annotation values from injecting markup.
        let html = try templates.render(c.html, htmlEscaped(data).templateValue)
        let text = try templates.render(c.text, value)
        let message = compose(headers: headers, html: html, text: text, now: now, from: from)
        let password = c.authPasswordFile.isEmpty ? c.authPassword : try readSecretFile(c.authPasswordFile)
        let port = c.smarthost.split(separator: ":").last.map(String.init) ?? ""
        let security: SMTPSecurity = port == "465" ? .implicitTLS : (c.requireTLS ? .startTLS : .none)
        let smtp = SMTPMessage(
            smarthost: c.smarthost, hello: c.hello.isEmpty ? "localhost" : c.hello, from: address(from),
            recipients: to.split(separator: ",").map { address(String($0)) }.filter { !$0.isEmpty },
            data: Array(message.utf8), security: security,
            username: c.authUsername.isEmpty ? nil : c.authUsername, password: password,
            identity: c.authIdentity, tls: HTTPRequestBuilder.tlsOptions(c.tls), timeout: timeout)
        do {
            try await SMTPSender.send(smtp)
            return .delivered
        } catch {
            // 5xx replies are permanent (bad credentials, rejected recipient); the rest may pass later.
            let permanent = (500..<600).contains(error.responseCode)
            let code = error.responseCode >= 400 ? error.responseCode : nil
            return .failed(error.description, status: code, retryable: !permanent)
        }
    }

    static func htmlEscaped(_ d: AlertmanagerTemplateData) -> AlertmanagerTemplateData {
        func esc(_ s: String) -> String {
            var out = ""
            for c in s {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.append(c)
                }
            }
            return out
        }
        func escMap(_ m: [String: String]) -> [String: String] { m.mapValues(esc) }
        var e = d
        e.receiver = esc(d.receiver)
        e.externalURL = esc(d.externalURL)
        e.groupLabels = escMap(d.groupLabels)
        e.commonLabels = escMap(d.commonLabels)
        e.commonAnnotations = escMap(d.commonAnnotations)
        e.alerts = d.alerts.map { a in
            var x = a
            x.labels = escMap(a.labels)
            x.annotations = escMap(a.annotations)
            x.generatorURL = esc(a.generatorURL)
            return x
        }
        return e
    }

    /// The bare address of `Name <addr>` or `addr`.
    static func address(_ s: String) -> String {
        let t = s.trimmingWhitespace()
        if let open = t.lastIndex(of: "<"), let close = t.lastIndex(of: ">"), open < close {
            return String(t[t.index(after: open)..<close])
        }
        return t
    }

    static func compose(headers: [(String, String)], html: String, text: String, now: Date, from: String) -> String {
        var out = ""
        for (name, value) in headers { out += "\(name): \(encodeHeader(value))\r\n" }
        let names = Set(headers.map { $0.0.lowercased() })
        if !names.contains("date") { out += "Date: \(rfc1123(now))\r\n" }
        if !names.contains("message-id") {
            let domain = address(from).split(separator: "@").last.map(String.init) ?? "localhost"
            out += "Message-Id: <\(UUID().uuidString.lowercased())@\(domain)>\r\n"
        }
        out += "MIME-Version: 1.0\r\n"
        let boundary = "ember-" + UUID().uuidString.lowercased()
        out += "Content-Type: multipart/alternative;  boundary=\(boundary)\r\n\r\n"
        if !text.isEmpty {
            out += "--\(boundary)\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
            out += quotedPrintable(text) + "\r\n"
        }
        if !html.isEmpty {
            out += "--\(boundary)\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
            out += quotedPrintable(html) + "\r\n"
        }
        out += "--\(boundary)--\r\n"
        return out
    }

    /// RFC 2047 Q-encoding for non-ASCII header values (Go's mime.QEncoding).
    static func encodeHeader(_ v: String) -> String {
        if v.unicodeScalars.allSatisfy({ $0.value < 128 && $0 != "\r" && $0 != "\n" }) { return v }
        var out = "=?UTF-8?q?"
        for b in v.utf8 {
            switch b {
            case UInt8(ascii: " "): out += "_"
            case 33...126 where b != UInt8(ascii: "=") && b != UInt8(ascii: "?") && b != UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += String(format: "=%02X", b)
            }
        }
        return out + "?="
    }

    /// RFC 2045 quoted-printable with soft line breaks at 76 columns and CRLF line ends.
    static func quotedPrintable(_ s: String) -> String {
        var out = ""
        var lineLength = 0
        let lines = s.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() {
            if i > 0 { out += "\r\n"; lineLength = 0 }
            let bytes = Array(line.utf8)
            for (j, b) in bytes.enumerated() {
                let isLast = j == bytes.count - 1
                let piece: String
                if (b == 9 || b == 32) && !isLast {
                    piece = String(UnicodeScalar(b))
                } else if b >= 33 && b <= 126 && b != 61 {
                    piece = String(UnicodeScalar(b))
                } else {
                    piece = String(format: "=%02X", b)
                }
                if lineLength + piece.count > 75 {
                    out += "=\r\n"
                    lineLength = 0
                }
                out += piece
                lineLength += piece.count
            }
        }
        return out
    }

    static func rfc1123(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: d)
    }
}
