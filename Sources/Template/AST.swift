/// The parse tree of a template, shaped like Go's text/template/parse nodes. Nodes
/// are classes so the executor can remember "the node being evaluated" for error
/// messages with a retain instead of a copy. Every node is immutable once parsed.

/// A node of a template body.
enum Node {
    case text(TextNode)
    case action(ActionNode)
    case comment
    case ifNode(BranchNode)
    case rangeNode(BranchNode)
    case withNode(BranchNode)
    case template(TemplateCallNode)
    case breakNode(Int)
    case continueNode(Int)
    case list(ListNode)
}

/// An argument or the first word of a command.
enum Operand {
    case field(FieldNode)
    case chain(ChainNode)
    case identifier(IdentifierNode)
    case variable(VariableNode)
    case dot(Int)
    case nilValue(Int)
    case bool(BoolNode)
    case number(NumberNode)
    case string(StringNode)
    case pipe(PipeNode)

    var pos: Int {
        switch self {
        case .field(let n): return n.pos
        case .chain(let n): return n.pos
        case .identifier(let n): return n.pos
        case .variable(let n): return n.pos
        case .dot(let p), .nilValue(let p): return p
        case .bool(let n): return n.pos
        case .number(let n): return n.pos
        case .string(let n): return n.pos
        case .pipe(let n): return n.pos
        }
    }

    func write(to out: inout String) {
        switch self {
        case .field(let n): n.write(to: &out)
        case .chain(let n): n.write(to: &out)
        case .identifier(let n): out += n.name
        case .variable(let n): n.write(to: &out)
        case .dot: out += "."
        case .nilValue: out += "nil"
        case .bool(let n): out += n.value ? "true" : "false"
        case .number(let n): out += n.text
        case .string(let n): out += n.quoted
        case .pipe(let n): n.write(to: &out)
        }
    }

    var description: String {
        var s = ""
        write(to: &s)
        return s
    }
}

final class ListNode {
    let pos: Int
    var nodes: [Node] = []
    init(pos: Int) { self.pos = pos }
}

final class TextNode {
    let pos: Int
    let text: String
    init(pos: Int, text: String) {
        self.pos = pos
        self.text = text
    }
}

final class ActionNode {
    let pos: Int
    let line: Int
    let pipe: PipeNode
    init(pos: Int, line: Int, pipe: PipeNode) {
        self.pos = pos
        self.line = line
        self.pipe = pipe
    }

    func write(to out: inout String) {
        out += "{{"
        pipe.write(to: &out)
        out += "}}"
    }
}

final class PipeNode {
    let pos: Int
    let line: Int
    var isAssign = false
    var decl: [VariableNode] = []
    var cmds: [CommandNode] = []
    init(pos: Int, line: Int) {
        self.pos = pos
        self.line = line
    }

    func write(to out: inout String) {
        if !decl.isEmpty {
            for (i, v) in decl.enumerated() {
                if i > 0 { out += ", " }
                v.write(to: &out)
            }
            out += " := "
        }
        for (i, c) in cmds.enumerated() {
            if i > 0 { out += " | " }
            c.write(to: &out)
        }
    }
}

final class CommandNode {
    let pos: Int
    var args: [Operand] = []
    init(pos: Int) { self.pos = pos }

    func write(to out: inout String) {
        for (i, arg) in args.enumerated() {
            if i > 0 { out += " " }
            if case .pipe(let p) = arg {
                out += "("
                p.write(to: &out)
                out += ")"
            } else {
                arg.write(to: &out)
            }
        }
    }
}

final class FieldNode {
    let pos: Int
    let idents: [String]
    init(pos: Int, idents: [String]) {
        self.pos = pos
        self.idents = idents
    }

    func write(to out: inout String) {
        for id in idents {
            out += "."
            out += id
        }
    }
}

final class ChainNode {
    let pos: Int
    let node: Operand
    var fields: [String] = []
    init(pos: Int, node: Operand) {
        self.pos = pos
        self.node = node
    }

    func write(to out: inout String) {
        if case .pipe(let p) = node {
            out += "("
            p.write(to: &out)
            out += ")"
        } else {
            node.write(to: &out)
        }
        for f in fields {
            out += "."
            out += f
        }
    }
}

final class IdentifierNode {
    let pos: Int
    let name: String
    init(pos: Int, name: String) {
        self.pos = pos
        self.name = name
    }
}

final class VariableNode {
    let pos: Int
    /// The variable name (with `$`) followed by any field names.
    let idents: [String]
    init(pos: Int, idents: [String]) {
        self.pos = pos
        self.idents = idents
    }

    func write(to out: inout String) {
        out += idents.joined(separator: ".")
    }
}

final class BoolNode {
    let pos: Int
    let value: Bool
    init(pos: Int, value: Bool) {
        self.pos = pos
        self.value = value
    }
}

/// A numeric constant with every interpretation Go allows for it.
final class NumberNode {
    let pos: Int
    let text: String
    var isInt = false
    var isFloat = false
    var isUint = false
    var intValue: Int64 = 0
    var floatValue: Double = 0
    init(pos: Int, text: String) {
        self.pos = pos
        self.text = text
    }
}

final class StringNode {
    let pos: Int
    let quoted: String
    let text: String
    init(pos: Int, quoted: String, text: String) {
        self.pos = pos
        self.quoted = quoted
        self.text = text
    }
}

/// `if`, `range` or `with`.
final class BranchNode {
    enum Kind: String { case ifKind = "if", rangeKind = "range", withKind = "with" }
    let kind: Kind
    let pos: Int
    let line: Int
    let pipe: PipeNode
    let list: ListNode
    let elseList: ListNode?
    init(kind: Kind, pos: Int, line: Int, pipe: PipeNode, list: ListNode, elseList: ListNode?) {
        self.kind = kind
        self.pos = pos
        self.line = line
        self.pipe = pipe
        self.list = list
        self.elseList = elseList
    }
}

final class TemplateCallNode {
    let pos: Int
    let line: Int
    let name: String
    let pipe: PipeNode?
    init(pos: Int, line: Int, name: String, pipe: PipeNode?) {
        self.pos = pos
        self.line = line
        self.name = name
        self.pipe = pipe
    }

    func write(to out: inout String) {
        out += "{{template "
        out += goQuote(name)
        if let pipe {
            out += " "
            pipe.write(to: &out)
        }
        out += "}}"
    }
}

/// The node an execution error points at: its position and Go's rendering of it.
enum NodeRef {
    case operand(Operand)
    case command(CommandNode)
    case pipe(PipeNode)
    case action(ActionNode)
    case branch(BranchNode)
    case template(TemplateCallNode)
    case text(TextNode)
    case list(ListNode)
    case control(pos: Int, text: String)

    var pos: Int {
        switch self {
        case .operand(let o): return o.pos
        case .command(let c): return c.pos
        case .pipe(let p): return p.pos
        case .action(let a): return a.pos
        case .branch(let b): return b.pos
        case .template(let t): return t.pos
        case .text(let t): return t.pos
        case .list(let l): return l.pos
        case .control(let pos, _): return pos
        }
    }

    var description: String {
        var out = ""
        switch self {
        case .operand(let o): o.write(to: &out)
        case .command(let c): c.write(to: &out)
        case .pipe(let p): p.write(to: &out)
        case .action(let a): a.write(to: &out)
        case .branch(let b):
            out += "{{\(b.kind.rawValue) "
            b.pipe.write(to: &out)
            out += "}}"
        case .template(let t): t.write(to: &out)
        case .text(let t): out += t.text
        case .list: break
        case .control(_, let text): out += text
        }
        return out
    }
}
