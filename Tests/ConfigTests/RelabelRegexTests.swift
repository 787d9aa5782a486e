import Testing
@testable import Config

@Suite struct RelabelRegexTests {
    @Test func md5MatchesRFC1321Vectors() {
        func hex(_ s: String) -> String { MD5.digest(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(hex("abc") == "900150983cd24fb0d6963f7d28e17f72")
        #expect(hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0")
        #expect(hex("The quick brown fox jumps over the lazy dog") == "9e107d9d372bb6826bd81d3542a419d6")
        // 80 bytes: padding spills into a second block.
        #expect(hex(String(repeating: "1234567890", count: 8)) == "57edf4a22be3c955ac49da2e2107b67a")
        // 56 bytes: the length no longer fits in the first padded block.
        #expect(hex(String(repeating: "a", count: 56)) == "3b0c8ac703f828b04c6c197006d17218")
    }

    @Test func anchoredLikeGo() throws {
        let r = try RelabelRegex("foo")
        #expect(r.matches("foo"))
        #expect(!r.matches("foox"))
        #expect(!r.matches("xfoo"))
        // ICU's $ would also match before a trailing newline; Go's does not.
        let general = try RelabelRegex("fo+")
        #expect(general.matches("fooo"))
        #expect(!general.matches("foo\n"))
        let explicit = try RelabelRegex("^fo+$")
        #expect(!explicit.matches("foo\n"))
        // (?s): dot matches newline.
        #expect(try RelabelRegex("a.b").matches("a\nb"))
    }

    @Test func goOnlyShorthandsAreASCII() throws {
        let digits = try RelabelRegex("\\d+")
        #expect(digits.matches("0123"))
        #expect(!digits.matches("٣")) // Arabic-Indic three: a Unicode digit, not an ASCII one
        #expect(try RelabelRegex("[\\w.]+").matches("a_b.c9"))
    }

    @Test func namedGroupsAndExpansion() throws {
        let r = try RelabelRegex("(?P<host>[^:]+):(?P<port_num>\\d+)")
        #expect(r.expand("$host", matching: "example:80") == "example")
        #expect(r.expand("${port_num}/$2/$$/$1x/${1}x", matching: "example:80") == "80/80/$//examplex")
        #expect(r.expand("$9", matching: "example:80") == "")
        #expect(r.expand("$", matching: "example:80") == "$")
        #expect(r.expand("${unclosed", matching: "example:80") == "${unclosed")
        #expect(r.expand("x", matching: "no match") == nil)
        #expect(try RelabelRegex("(?<n>a)").expand("$n", matching: "a") == "a")
    }

    @Test func literalBracesAreNotRepetitions() throws {
        #expect(try RelabelRegex("a{").matches("a{"))
        #expect(try RelabelRegex("{foo}").matches("{foo}"))
        #expect(try RelabelRegex("a{2}").matches("aa"))
        #expect(try RelabelRegex("[[]").matches("["))
        #expect(try RelabelRegex("[]a]+").matches("]a]"))
        #expect(try RelabelRegex("[[:digit:]]+").matches("42"))
    }

    @Test func rejectsWhatGoRejects() {
        func reason(_ p: String) -> String? {
            do { _ = try RelabelRegex(p); return nil } catch let e as RelabelRegexError { return e.description } catch { return "\(error)" }
        }
        #expect(reason("(a") == "error parsing regexp: missing closing ): `(a`")
        #expect(reason("a)") == "error parsing regexp: unexpected ): `a)`")
        #expect(reason("[a") == "error parsing regexp: missing closing ]: `[a`")
        #expect(reason("(?=a)") == "error parsing regexp: invalid or unsupported Perl syntax: `(?=`")
        #expect(reason("(?<!a)b") == "error parsing regexp: invalid or unsupported Perl syntax: `(?<!`")
        #expect(reason("(a)\\1") == "error parsing regexp: invalid escape sequence: `\\1`")
        #expect(reason("a**") == "error parsing regexp: invalid nested repetition operator: `**`")
        #expect(reason("a*+") == "error parsing regexp: invalid nested repetition operator: `*+`")
        #expect(reason("a*?") == nil)
        #expect(reason("a??") == nil)
        #expect(reason("(?i)abc") == nil)
        #expect(reason("(?:Upper)") == nil)
    }

    @Test func caseInsensitiveFlag() throws {
        #expect(try RelabelRegex("(?i)foo").matches("FoO"))
    }

    @Test func unicodeClassesInBothSpellings() throws {
        #expect(try RelabelRegex("\\pL+").matches("éa"))
        #expect(try RelabelRegex("\\p{Greek}+").matches("αβ"))
        #expect(try !RelabelRegex("\\PL").matches("a"))
        #expect(try RelabelRegex("[[:^alpha:]]+").matches("12"))
        #expect(try RelabelRegex("\\Qa.b\\E").matches("a.b"))
    }
}
