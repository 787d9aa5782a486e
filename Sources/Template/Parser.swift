/// The text a set of trees was parsed from, for turning byte offsets into line:column.
final class SourceInfo: Sendable {
    /// The name of the top-level template being parsed (Go's ParseName).
    let parseName: String
    let bytes: [UInt8]

    init(parseName: String, bytes: [UInt8]) {
        self.parseName = parseName
        self.bytes = bytes
    }

    /// Go's ErrorContext location: `name:line:column`, the column a 0-based byte offset in its line.
    func location(of pos: Int) -> (line: Int, column: Int) {
        let end = min(max(pos, 0), bytes.count)
        var line = 1
        var lastNewline = -1
        for i in 0..<end where bytes[i] == 0x0A {
            line += 1
            lastNewline = i
        }
        return (line, lastNewline < 0 ? end : end - lastNewline - 1)
    }
}

/// One parsed template: a name and its body.
final class ParsedTree: @unchecked Sendable {
    // Unchecked: the node classes are only mutated while the parser builds them,
    // before the tree is published; afterwards the whole tree is read-only.
    let name: String
    let root: ListNode
    let source: SourceInfo

    init(name: String, root: ListNode, source: SourceInfo) {
        self.name = name
        self.root = root
        self.source = source
    }

    /// Go's IsEmptyTree: only whitespace text and comments.
    var isEmpty: Bool { Self.isEmpty(.list(root)) }

    private static func isEmpty(_ node: Node) -> Bool {
        switch node {
        case .comment: return true
        case .list(let l): return l.nodes.allSatisfy(isEmpty)
        case .text(let t): return t.text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        default: return false
        }
    }
}

/// A parse failure; `message` is Go's full wording (`template: name:line: ...`).
struct ParseFailure: Error {
    let message: String
    let line: Int
}

/// Go's text/template parser (recursive descent over the token list with three tokens of lookahead).
struct Parser {
    private let items: [Item]
    private var index = 0
    private var token: [Item]
    private var peekCount = 0
    private let source: SourceInfo
    private let hasFunction: (String) -> Bool
    private var vars: [String] = ["$"]
    private var actionLine = 0
    private var rangeDepth = 0
    private var nesting = 0
    private let maxNesting: Int
    /// Trees found so far, in definition order; the top-level tree is added last.
    private(set) var trees: [ParsedTree] = []

    /// Parses `text` as template `name`; returns every tree it defines (the top-level one last).
    static func parse(name: String, text: String, hasFunction: @escaping (String) -> Bool, maxNesting: Int) throws(ParseFailure) -> [ParsedTree] {
        let bytes = Array(text.utf8)
        let items = Lexer.tokens(bytes, breakOK: !hasFunction("break"), continueOK: !hasFunction("continue"))
        var parser = Parser(items: items, source: SourceInfo(parseName: name, bytes: bytes), hasFunction: hasFunction, maxNesting: maxNesting)
        try parser.parseTop(name: name)
        return parser.trees
    }

    private init(items: [Item], source: SourceInfo, hasFunction: @escaping (String) -> Bool, maxNesting: Int) {
        self.items = items
        self.source = source
        self.hasFunction = hasFunction
        self.maxNesting = maxNesting
        let placeholder = Item(type: .eof, pos: 0, val: "", line: 1)
        self.token = [placeholder, placeholder, placeholder]
    }

    // MARK: Token buffer

    private mutating func lexNext() -> Item {
        if index < items.count {
            let item = items[index]
            index += 1
            return item
        }
        return items.last ?? Item(type: .eof, pos: 0, val: "", line: 1)
    }

    private mutating func next() -> Item {
        if peekCount > 0 {
            peekCount -= 1
        } else {
            token[0] = lexNext()
        }
        return token[peekCount]
    }

    private mutating func backup() { peekCount += 1 }

    private mutating func backup2(_ t1: Item) {
        token[1] = t1
        peekCount = 2
    }

    private mutating func backup3(_ t2: Item, _ t1: Item) {
        token[1] = t1
        token[2] = t2
        peekCount = 3
    }

    private mutating func peek() -> Item {
        if peekCount > 0 { return token[peekCount - 1] }
        peekCount = 1
        token[0] = lexNext()
        return token[0]
    }

    private mutating func nextNonSpace() -> Item {
        while true {
            let t = next()
            if t.type != .space { return t }
        }
    }

    private mutating func peekNonSpace() -> Item {
        let t = nextNonSpace()
        backup()
        return t
    }

    // MARK: Errors

    private func fail(_ message: String) -> ParseFailure {
        ParseFailure(message: "template: \(source.parseName):\(token[0].line): \(message)", line: token[0].line)
    }

    private func unexpected(_ item: Item, _ context: String) -> ParseFailure {
        if item.type == .error {
            var extra = ""
            if actionLine != 0 && actionLine != item.line {
                extra = " in action started at \(source.parseName):\(actionLine)"
                if item.val.hasSuffix(" action") { extra = String(extra.dropFirst(" in action".count)) }
            }
            return fail("\(item.description)\(extra)")
        }
        return fail("unexpected \(item.description) in \(context)")
    }

    private mutating func expect(_ type: ItemType, _ context: String) throws(ParseFailure) -> Item {
        let t = nextNonSpace()
        if t.type != type { throw unexpected(t, context) }
        return t
    }

    private mutating func enterNesting() throws(ParseFailure) {
        nesting += 1
        if nesting > maxNesting { throw fail("nesting deeper than \(maxNesting) levels") }
    }

    // MARK: Structure

    private mutating func parseTop(name: String) throws(ParseFailure) {
        let root = ListNode(pos: peek().pos)
        while peek().type != .eof {
            if peek().type == .leftDelim {
                let delim = next()
                if nextNonSpace().type == .define {
                    try parseDefinition()
                    continue
                }
                backup2(delim)
            }
            let n = try textOrAction()
            switch n {
            case .end: throw fail("unexpected {{end}}")
            case .elseNode: throw fail("unexpected {{else}}")
            case .node(let node): root.nodes.append(node)
            }
        }
        try add(ParsedTree(name: name, root: root, source: source))
    }

    /// Go's Tree.add: a second non-empty definition of a name in one parse is an error.
    private mutating func add(_ tree: ParsedTree) throws(ParseFailure) {
        if let i = trees.firstIndex(where: { $0.name == tree.name }) {
            if trees[i].isEmpty {
                trees[i] = tree
                return
            }
            if !tree.isEmpty { throw fail("template: multiple definition of template \(goQuote(tree.name))") }
            return
        }
        trees.append(tree)
    }

    private mutating func parseDefinition() throws(ParseFailure) {
        let context = "define clause"
        let nameItem = nextNonSpace()
        guard nameItem.type == .string || nameItem.type == .rawString else { throw unexpected(nameItem, context) }
        let name = try unquote(nameItem.val)
        _ = try expect(.rightDelim, context)
        let savedVars = vars
        vars = ["$"]
        defer { vars = savedVars }
        let (list, end) = try itemList()
        if case .elseNode = end { throw fail("unexpected {{else}} in \(context)") }
        try add(ParsedTree(name: name, root: list, source: source))
    }

    private enum Parsed {
        case node(Node)
        case end(Int)
        case elseNode(pos: Int, line: Int)
    }

    private mutating func itemList() throws(ParseFailure) -> (ListNode, Parsed) {
        let list = ListNode(pos: peekNonSpace().pos)
        while peekNonSpace().type != .eof {
            let n = try textOrAction()
            switch n {
            case .end, .elseNode: return (list, n)
            case .node(let node): list.nodes.append(node)
            }
        }
        throw fail("unexpected EOF")
    }

    private mutating func textOrAction() throws(ParseFailure) -> Parsed {
        let t = nextNonSpace()
        switch t.type {
        case .text:
            return .node(.text(TextNode(pos: t.pos, text: t.val)))
        case .leftDelim:
            actionLine = t.line
            defer { actionLine = 0 }
            return try action()
        default:
            throw unexpected(t, "input")
        }
    }

    private mutating func action() throws(ParseFailure) -> Parsed {
        let t = nextNonSpace()
        switch t.type {
        case .block: return .node(try blockControl())
        case .breakKeyword: return .node(try loopControl(t, keyword: "break"))
        case .continueKeyword: return .node(try loopControl(t, keyword: "continue"))
        case .elseKeyword: return try elseControl()
        case .end: return .end(try expect(.rightDelim, "end").pos)
        case .ifKeyword: return .node(.ifNode(try parseControl(.ifKind)))
        case .range: return .node(.rangeNode(try parseControl(.rangeKind)))
        case .template: return .node(try templateControl())
        case .with: return .node(.withNode(try parseControl(.withKind)))
        default: break
        }
        backup()
        let p = peek()
        return .node(.action(ActionNode(pos: p.pos, line: p.line, pipe: try pipeline("command", end: .rightDelim))))
    }

    private mutating func loopControl(_ t: Item, keyword: String) throws(ParseFailure) -> Node {
        let after = nextNonSpace()
        if after.type != .rightDelim { throw unexpected(after, "{{\(keyword)}}") }
        if rangeDepth == 0 { throw fail("{{\(keyword)}} outside {{range}}") }
        return keyword == "break" ? .breakNode(t.pos) : .continueNode(t.pos)
    }

    private mutating func elseControl() throws(ParseFailure) -> Parsed {
        let p = peekNonSpace()
        if p.type == .ifKeyword || p.type == .with {
            // "else if" / "else with": leave the keyword for parseControl.
            return .elseNode(pos: p.pos, line: p.line)
        }
        let t = try expect(.rightDelim, "else")
        return .elseNode(pos: t.pos, line: t.line)
    }

    private mutating func parseControl(_ kind: BranchNode.Kind) throws(ParseFailure) -> BranchNode {
        try enterNesting()
        defer { nesting -= 1 }
        let mark = vars.count
        defer { vars.removeSubrange(mark...) }
        let pipe = try pipeline(kind.rawValue, end: .rightDelim)
        if kind == .rangeKind { rangeDepth += 1 }
        let (list, next) = try itemList()
        if kind == .rangeKind { rangeDepth -= 1 }
        var elseList: ListNode?
        if case .elseNode(let pos, _) = next {
            // "{{else if x}}" is "{{else}}{{if x}}...{{end}}{{end}}"; "else with" likewise.
            if kind == .ifKind && peek().type == .ifKeyword {
                _ = self.next()
                let nested = ListNode(pos: pos)
                nested.nodes.append(.ifNode(try parseControl(.ifKind)))
                elseList = nested
            } else if kind == .withKind && peek().type == .with {
                _ = self.next()
                let nested = ListNode(pos: pos)
                nested.nodes.append(.withNode(try parseControl(.withKind)))
                elseList = nested
            } else {
                let (els, end) = try itemList()
                if case .elseNode = end { throw fail("expected end; found {{else}}") }
                elseList = els
            }
        }
        return BranchNode(kind: kind, pos: pipe.pos, line: pipe.line, pipe: pipe, list: list, elseList: elseList)
    }

    private mutating func blockControl() throws(ParseFailure) -> Node {
        let context = "block clause"
        let t = nextNonSpace()
        let name = try templateName(t, context)
        let pipe = try pipeline(context, end: .rightDelim)
        let savedVars = vars
        vars = ["$"]
        let (list, end) = try itemList()
        vars = savedVars
        if case .elseNode = end { throw fail("unexpected {{else}} in \(context)") }
        try add(ParsedTree(name: name, root: list, source: source))
        return .template(TemplateCallNode(pos: t.pos, line: t.line, name: name, pipe: pipe))
    }

    private mutating func templateControl() throws(ParseFailure) -> Node {
        let context = "template clause"
        let t = nextNonSpace()
        let name = try templateName(t, context)
        var pipe: PipeNode?
        if nextNonSpace().type != .rightDelim {
            backup()
            pipe = try pipeline(context, end: .rightDelim)
        }
        return .template(TemplateCallNode(pos: t.pos, line: t.line, name: name, pipe: pipe))
    }

    private mutating func templateName(_ t: Item, _ context: String) throws(ParseFailure) -> String {
        guard t.type == .string || t.type == .rawString else { throw unexpected(t, context) }
        return try unquote(t.val)
    }

    // MARK: Pipelines

    private mutating func pipeline(_ context: String, end: ItemType) throws(ParseFailure) -> PipeNode {
        let first = peekNonSpace()
        let pipe = PipeNode(pos: first.pos, line: first.line)
        decls: while true {
            let v = peekNonSpace()
            guard v.type == .variable else { break }
            _ = next()
            let tokenAfterVariable = peek()
            let nextItem = peekNonSpace()
            if nextItem.type == .assign || nextItem.type == .declare {
                pipe.isAssign = nextItem.type == .assign
                _ = nextNonSpace()
                pipe.decl.append(VariableNode(pos: v.pos, idents: [v.val]))
                vars.append(v.val)
            } else if nextItem.type == .char && nextItem.val == "," {
                _ = nextNonSpace()
                pipe.decl.append(VariableNode(pos: v.pos, idents: [v.val]))
                vars.append(v.val)
                if context == "range" && pipe.decl.count < 2 {
                    switch peekNonSpace().type {
                    case .variable, .rightDelim, .rightParen: continue decls
                    default: throw fail("range can only initialize variables")
                    }
                }
                throw fail("too many declarations in \(context)")
            } else if tokenAfterVariable.type == .space {
                backup3(v, tokenAfterVariable)
            } else {
                backup2(v)
            }
            break
        }
        while true {
            let t = nextNonSpace()
            switch t.type {
            case end:
                try checkPipeline(pipe, context)
                return pipe
            case .bool, .charConstant, .complex, .dot, .field, .identifier, .number, .nilKeyword, .rawString,
                .string, .variable, .leftParen:
                backup()
                pipe.cmds.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    private func checkPipeline(_ pipe: PipeNode, _ context: String) throws(ParseFailure) {
        if pipe.cmds.isEmpty { throw fail("missing value for \(context)") }
        for (i, c) in pipe.cmds.enumerated().dropFirst() {
            switch c.args[0] {
            case .bool, .dot, .nilValue, .number, .string:
                throw fail("non executable command in pipeline stage \(i + 1)")
            default: continue
            }
        }
    }

    private mutating func command() throws(ParseFailure) -> CommandNode {
        let cmd = CommandNode(pos: peekNonSpace().pos)
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { cmd.args.append(operand) }
            let t = next()
            switch t.type {
            case .space: continue
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(t, "operand")
            }
            break
        }
        if cmd.args.isEmpty { throw fail("empty command") }
        return cmd
    }

    private mutating func operand() throws(ParseFailure) -> Operand? {
        guard let node = try term() else { return nil }
        guard peek().type == .field else { return node }
        let chain = ChainNode(pos: peek().pos, node: node)
        while peek().type == .field {
            chain.fields.append(String(next().val.dropFirst()))
        }
        switch node {
        case .field(let f):
            return .field(FieldNode(pos: chain.pos, idents: f.idents + chain.fields))
        case .variable(let v):
            return .variable(VariableNode(pos: chain.pos, idents: v.idents + chain.fields))
        case .bool, .string, .number, .nilValue, .dot:
            throw fail("unexpected . after term \(goQuote(node.description))")
        default:
            return .chain(chain)
        }
    }

    private mutating func term() throws(ParseFailure) -> Operand? {
        let t = nextNonSpace()
        switch t.type {
        case .identifier:
            if !hasFunction(t.val) { throw fail("function \(goQuote(t.val)) not defined") }
            return .identifier(IdentifierNode(pos: t.pos, name: t.val))
        case .dot:
            return .dot(t.pos)
        case .nilKeyword:
            return .nilValue(t.pos)
        case .variable:
            return .variable(try useVar(t))
        case .field:
            return .field(FieldNode(pos: t.pos, idents: t.val.split(separator: ".", omittingEmptySubsequences: true).map(String.init)))
        case .bool:
            return .bool(BoolNode(pos: t.pos, value: t.val == "true"))
        case .charConstant, .number:
            return .number(try number(t))
        case .complex:
            throw fail("complex constants are not supported: \(t.val)")
        case .leftParen:
            try enterNesting()
            defer { nesting -= 1 }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            return .string(StringNode(pos: t.pos, quoted: t.val, text: try unquote(t.val)))
        default:
            backup()
            return nil
        }
    }

    private func useVar(_ t: Item) throws(ParseFailure) -> VariableNode {
        let idents = t.val.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard vars.contains(idents[0]) else { throw fail("undefined variable \(goQuote(idents[0]))") }
        return VariableNode(pos: t.pos, idents: idents)
    }

    private func unquote(_ quoted: String) throws(ParseFailure) -> String {
        guard let s = goUnquote(quoted) else { throw fail("invalid syntax") }
        return s
    }

    private func number(_ t: Item) throws(ParseFailure) -> NumberNode {
        let n = NumberNode(pos: t.pos, text: t.val)
        if t.type == .charConstant {
            guard let s = goUnquote(t.val), s.unicodeScalars.count == 1, let r = s.unicodeScalars.first else {
                throw fail("malformed character constant: \(t.val)")
            }
            n.isInt = true
            n.intValue = Int64(r.value)
            n.isFloat = true
            n.floatValue = Double(r.value)
            return n
        }
        let parsed = GoNumberLiteral(t.val)
        if let u = parsed.uint { n.isUint = true; _ = u }
        if let i = parsed.int {
            n.isInt = true
            n.intValue = i
            n.isFloat = true
            n.floatValue = Double(i)
        } else if let u = parsed.uint {
            n.isFloat = true
            n.floatValue = Double(u)
        } else if let f = parsed.float {
            if !t.val.contains(where: { ".eEpP".contains($0) }) { throw fail("integer overflow: \(goQuote(t.val))") }
            n.isFloat = true
            n.floatValue = f
            if f.isFinite, f == f.rounded(), abs(f) < 9.2e18 {
                n.isInt = true
                n.intValue = Int64(f)
                n.isUint = f >= 0
            }
        }
        if !n.isInt && !n.isFloat && parsed.uint == nil { throw fail("illegal number syntax: \(goQuote(t.val))") }
        return n
    }
}
