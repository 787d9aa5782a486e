/// An execution failure; `message` already carries Go's location prefix.
struct ExecFailure: Error {
    let message: String
    let line: Int
    let column: Int?
    let isLimit: Bool
}

/// `{{break}}` and `{{continue}}` unwind to their range through Swift's error path.
private enum LoopControl: Error { case breakLoop, continueLoop }

/// Walks a parsed template, mirroring Go's exec.go step by step so that results and
/// error messages (including which node an error points at) match Go's.
struct Executor {
    private let storage: TemplateSetStorage
    private let options: TemplateOptions
    private var tree: ParsedTree
    private var output = ""
    private var outputBytes = 0
    private var vars: [(name: String, value: TemplateValue)] = []
    private var node: NodeRef?
    private var depth = 0
    private var steps = 0
    private var rangeIterations = 0
    /// Whether the last nil evalField produced was Go's invalid value rather than a nil interface.
    private var lastNullWasInvalid = false

    init(storage: TemplateSetStorage, tree: ParsedTree) {
        self.storage = storage
        self.options = storage.options
        self.tree = tree
    }

    static func run(storage: TemplateSetStorage, tree: ParsedTree, data: TemplateValue) throws(ExecFailure) -> String {
        var executor = Executor(storage: storage, tree: tree)
        executor.output.reserveCapacity(256)
        executor.vars = [("$", data)]
        do {
            try executor.walk(data, .list(tree.root))
        } catch let failure as ExecFailure {
            throw failure
        } catch {
            // break/continue cannot escape a range: the parser rejects them elsewhere.
            throw executor.failure("unexpected control flow")
        }
        return executor.output
    }

    // MARK: Errors

    private func failure(_ message: String, isLimit: Bool = false) -> ExecFailure {
        let name = tree.name
        guard let node else {
            return ExecFailure(message: "template: \(name): \(message)", line: 0, column: nil, isLimit: isLimit)
        }
        let (line, column) = tree.source.location(of: node.pos)
        let location = "\(tree.source.parseName):\(line):\(column)"
        return ExecFailure(
            message: "template: \(location): executing \(goQuote(name)) at <\(node.description)>: \(message)",
            line: line, column: column, isLimit: isLimit)
    }

    private mutating func at(_ ref: NodeRef) { node = ref }

    private mutating func step() throws(ExecFailure) {
        steps += 1
        if steps > options.maxSteps {
            throw failure("execution exceeded \(options.maxSteps) steps", isLimit: true)
        }
    }

    private mutating func write(_ s: String) throws(ExecFailure) {
        outputBytes += s.utf8.count
        if outputBytes > options.maxOutputBytes {
            throw failure("output exceeds the limit of \(options.maxOutputBytes) bytes", isLimit: true)
        }
        output += s
    }

    // MARK: Variables

    private mutating func setVar(_ name: String, _ value: TemplateValue) throws(ExecFailure) {
        for i in stride(from: vars.count - 1, through: 0, by: -1) where vars[i].name == name {
            vars[i].value = value
            return
        }
        throw failure("undefined variable: \(name)")
    }

    private func varValue(_ name: String) throws(ExecFailure) -> TemplateValue {
        for i in stride(from: vars.count - 1, through: 0, by: -1) where vars[i].name == name {
            return vars[i].value
        }
        throw failure("undefined variable: \(name)")
    }

    private mutating func popVars(to mark: Int) {
        if vars.count > mark { vars.removeSubrange(mark...) }
    }

    // MARK: Walking

    private mutating func walk(_ dot: TemplateValue, _ n: Node) throws {
        try step()
        switch n {
        case .action(let a):
            at(.action(a))
            let value = try evalPipeline(dot, a.pipe)
            if a.pipe.decl.isEmpty {
                at(.action(a))
                try write(value.printed)
            }
        case .breakNode: throw LoopControl.breakLoop
        case .continueNode: throw LoopControl.continueLoop
        case .comment: break
        case .ifNode(let b): try walkIfOrWith(dot, b, isWith: false)
        case .withNode(let b): try walkIfOrWith(dot, b, isWith: true)
        case .list(let l):
            for child in l.nodes { try walk(dot, child) }
        case .rangeNode(let b): try walkRange(dot, b)
        case .template(let t): try walkTemplate(dot, t)
        case .text(let t): try write(t.text)
        }
    }

    private mutating func walkIfOrWith(_ dot: TemplateValue, _ b: BranchNode, isWith: Bool) throws {
        let mark = vars.count
        defer { popVars(to: mark) }
        let value = try evalPipeline(dot, b.pipe)
        if value.isTruthy {
            try walk(isWith ? value : dot, .list(b.list))
        } else if let elseList = b.elseList {
            try walk(dot, .list(elseList))
        }
    }

    private mutating func walkRange(_ dot: TemplateValue, _ r: BranchNode) throws {
        at(.branch(r))
        let mark = vars.count
        defer { popVars(to: mark) }
        let value = try evalPipeline(dot, r.pipe)
        let innerMark = vars.count
        let declCount = r.pipe.decl.count

        func iterate(_ executor: inout Executor, _ index: TemplateValue, _ element: TemplateValue) throws -> Bool {
            executor.rangeIterations += 1
            if executor.rangeIterations > executor.options.maxRangeIterations {
                throw executor.failure("range iterations exceed the limit of \(executor.options.maxRangeIterations)", isLimit: true)
            }
            if declCount > 0 { executor.vars[executor.vars.count - 1].value = element }
            if declCount > 1 { executor.vars[executor.vars.count - 2].value = index }
            defer { executor.popVars(to: innerMark) }
            do {
                try executor.walk(element, .list(r.list))
            } catch LoopControl.continueLoop {
                return true
            } catch LoopControl.breakLoop {
                return false
            }
            return true
        }

        switch value {
        case .list(let l) where !l.elements.isEmpty:
            for (i, e) in l.elements.enumerated() where !(try iterate(&self, .int(i), e)) { break }
            return
        case .map(let m) where m.count > 0:
            for entry in m.entries where !(try iterate(&self, .string(entry.key), entry.value)) { break }
            return
        case .int(let n) where n > 0:
            if declCount > 1 { throw failure("can't use \(n) to iterate over more than one variable") }
            for i in 0..<n where !(try iterate(&self, .int(i), .int(i))) { break }
            return
        case .list, .map, .null, .int:
            break
        default:
            throw failure("range can't iterate over \(value.printed)")
        }
        if let elseList = r.elseList { try walk(dot, .list(elseList)) }
    }

    private mutating func walkTemplate(_ dot: TemplateValue, _ t: TemplateCallNode) throws {
        at(.template(t))
        guard let target = storage.trees[t.name] else { throw failure("template \(goQuote(t.name)) not defined") }
        if depth >= options.maxTemplateDepth {
            throw failure("exceeded maximum template depth (\(options.maxTemplateDepth))", isLimit: true)
        }
        var newDot = TemplateValue.null
        if let pipe = t.pipe { newDot = try evalPipeline(dot, pipe) }
        let savedTree = tree, savedVars = vars, savedNode = node
        tree = target
        vars = [("$", newDot)]
        depth += 1
        defer {
            depth -= 1
            tree = savedTree
            vars = savedVars
        }
        try walk(newDot, .list(target.root))
        node = savedNode
    }

    // MARK: Pipelines and commands

    private mutating func evalPipeline(_ dot: TemplateValue, _ pipe: PipeNode) throws(ExecFailure) -> TemplateValue {
        at(.pipe(pipe))
        var value: TemplateValue?
        for cmd in pipe.cmds {
            value = try evalCommand(dot, cmd, final: value)
        }
        let result = value ?? .null
        for v in pipe.decl {
            if pipe.isAssign {
                try setVar(v.idents[0], result)
            } else {
                vars.append((v.idents[0], result))
            }
        }
        return result
    }

    private func notAFunction(_ args: [Operand], _ final: TemplateValue?) throws(ExecFailure) {
        if args.count > 1 || final != nil {
            throw failure("can't give argument to non-function \(args[0].description)")
        }
    }

    private mutating func evalCommand(_ dot: TemplateValue, _ cmd: CommandNode, final: TemplateValue?) throws(ExecFailure) -> TemplateValue {
        let first = cmd.args[0]
        switch first {
        case .field(let f): return try evalFieldNode(dot, f, args: cmd.args, final: final)
        case .chain(let c): return try evalChainNode(dot, c, args: cmd.args, final: final)
        case .identifier(let id): return try evalFunction(dot, id, node: .command(cmd), args: cmd.args, final: final)
        case .pipe(let p):
            try notAFunction(cmd.args, final)
            return try evalPipeline(dot, p)
        case .variable(let v): return try evalVariableNode(dot, v, args: cmd.args, final: final)
        default: break
        }
        at(.operand(first))
        try notAFunction(cmd.args, final)
        switch first {
        case .bool(let b): return .bool(b.value)
        case .dot: return dot
        case .nilValue: throw failure("nil is not a command")
        case .number(let n): return try idealConstant(n)
        case .string(let s): return .string(s.text)
        default: throw failure("can't evaluate command \(goQuote(first.description))")
        }
    }

    private mutating func idealConstant(_ n: NumberNode) throws(ExecFailure) -> TemplateValue {
        at(.operand(.number(n)))
        let text = n.text
        let isHexInt = text.count > 2 && text.hasPrefix("0") && (text.dropFirst().first == "x" || text.dropFirst().first == "X") && !text.contains(where: { $0 == "p" || $0 == "P" })
        let isRune = text.hasPrefix("'")
        if n.isFloat && !isHexInt && !isRune && text.contains(where: { ".eEpP".contains($0) }) {
            return .float(n.floatValue)
        }
        if n.isInt { return .int(Int(n.intValue)) }
        if n.isUint { throw failure("\(text) overflows int") }
        return .null
    }

    private mutating func evalFieldNode(_ dot: TemplateValue, _ f: FieldNode, args: [Operand]?, final: TemplateValue?) throws(ExecFailure) -> TemplateValue {
        at(.operand(.field(f)))
        return try evalFieldChain(dot, receiver: dot, node: .operand(.field(f)), idents: f.idents[...], args: args, final: final)
    }

    private mutating func evalChainNode(_ dot: TemplateValue, _ c: ChainNode, args: [Operand]?, final: TemplateValue?) throws(ExecFailure) -> TemplateValue {
        at(.operand(.chain(c)))
        if case .nilValue = c.node { throw failure("indirection through explicit nil in \(Operand.chain(c).description)") }
        let receiver = try evalArg(dot, nil, c.node)
        return try evalFieldChain(dot, receiver: receiver, node: .operand(.chain(c)), idents: c.fields[...], args: args, final: final)
    }

    private mutating func evalVariableNode(_ dot: TemplateValue, _ v: VariableNode, args: [Operand]?, final: TemplateValue?) throws(ExecFailure) -> TemplateValue {
        at(.operand(.variable(v)))
        let value = try varValue(v.idents[0])
        if v.idents.count == 1 {
            try notAFunction(args ?? [.variable(v)], final)
            return value
        }
        return try evalFieldChain(dot, receiver: value, node: .operand(.variable(v)), idents: v.idents.dropFirst(), args: args, final: final)
    }

    private mutating func evalFieldChain(
        _ dot: TemplateValue, receiver: TemplateValue, node: NodeRef, idents: ArraySlice<String>, args: [Operand]?, final: TemplateValue?
    ) throws(ExecFailure) -> TemplateValue {
        var receiver = receiver
        var typedNil = false
        for ident in idents.dropLast() {
            receiver = try evalField(dot, ident, node: node, args: nil, final: nil, receiver: receiver, typedNil: typedNil)
            typedNil = isTypedNil(receiver)
        }
        return try evalField(dot, idents.last ?? "", node: node, args: args, final: final, receiver: receiver, typedNil: typedNil)
    }

    /// A nil met inside a field chain is a nil interface stored in a struct or map (Go
    /// then fails on the next field), unlike the invalid value of absent data or of a
    /// missing key under missingkey=invalid, which just yields no value.
    private func isTypedNil(_ value: TemplateValue) -> Bool {
        guard case .null = value else { return false }
        return !lastNullWasInvalid
    }

    private mutating func evalFunction(_ dot: TemplateValue, _ id: IdentifierNode, node: NodeRef, args: [Operand]?, final: TemplateValue?) throws(ExecFailure) -> TemplateValue {
        at(.operand(.identifier(id)))
        guard let (function, isBuiltin) = storage.functions.lookup(id.name) else {
            throw failure("\(goQuote(id.name)) is not a defined function")
        }
        return try evalCall(dot, function, isBuiltin: isBuiltin, node: node, name: id.name, args: args, final: final)
    }

    private mutating func evalField(
        _ dot: TemplateValue, _ name: String, node: NodeRef, args: [Operand]?, final: TemplateValue?, receiver: TemplateValue,
        typedNil: Bool = false
    ) throws(ExecFailure) -> TemplateValue {
        if case .null = receiver {
            if typedNil { throw failure("nil pointer evaluating interface {}.\(name)") }
            if options.missingKey == .error { throw failure("nil data; no entry for key \(goQuote(name))") }
            lastNullWasInvalid = true
            return .null
        }
        if let method = templateMethod(receiver, name) {
            lastNullWasInvalid = false
            return try evalCall(dot, method, isBuiltin: false, node: node, name: name, args: args, final: final)
        }
        let hasArgs = (args?.count ?? 0) > 1 || final != nil
        switch receiver {
        case .object(let s):
            if let value = s.field(name) {
                if hasArgs { throw failure("\(name) has arguments but cannot be invoked as function") }
                lastNullWasInvalid = false
                return value
            }
        case .map(let m):
            if hasArgs { throw failure("\(name) is not a method but has arguments") }
            if let value = m[name] {
                lastNullWasInvalid = false
                return value
            }
            switch options.missingKey {
            case .invalid:
                lastNullWasInvalid = true
                return .null
            case .zero:
                lastNullWasInvalid = false
                return m.kind.zeroElement
            case .error: throw failure("map has no entry for key \(goQuote(name))")
            }
        default:
            break
        }
        throw failure("can't evaluate field \(name) in type \(receiver.goTypeName)")
    }

    // MARK: Calls

    private mutating func evalCall(
        _ dot: TemplateValue, _ function: TemplateFunction, isBuiltin: Bool, node: NodeRef, name: String, args: [Operand]?, final: TemplateValue?
    ) throws(ExecFailure) -> TemplateValue {
        let argNodes = args.map { Array($0.dropFirst()) } ?? []
        let numIn = argNodes.count + (final == nil ? 0 : 1)
        let params = function.parameters
        var numFixed = argNodes.count
        if function.variadic != nil {
            numFixed = params.count
            if numIn < numFixed {
                throw failure("wrong number of args for \(name): want at least \(params.count) got \(argNodes.count)")
            }
        } else if numIn != params.count {
            throw failure("wrong number of args for \(name): want \(params.count) got \(numIn)")
        }

        if isBuiltin, let mode = function.shortCircuit {
            var value = TemplateValue.null
            for arg in argNodes {
                value = try evalArg(dot, .any, arg)
                if value.isTruthy == (mode == .or) { return value }
            }
            if let final { value = final }
            return value
        }

        var argv: [TemplateValue] = []
        argv.reserveCapacity(numIn)
        var i = 0
        while i < numFixed && i < argNodes.count {
            argv.append(try evalArg(dot, params[i], argNodes[i]))
            i += 1
        }
        if let variadic = function.variadic {
            while i < argNodes.count {
                argv.append(try evalArg(dot, variadic, argNodes[i]))
                i += 1
            }
        }
        if let final {
            var type = params.last ?? .any
            if let variadic = function.variadic {
                type = numIn - 1 < numFixed ? params[numIn - 1] : variadic
            }
            argv.append(try validateType(final, type))
        }
        let result: TemplateValue
        do {
            result = try function.body(argv)
        } catch let error as TemplateFunctionError {
            at(node)
            throw failure("error calling \(name): \(error.message)")
        } catch {
            at(node)
            throw failure("error calling \(name): \(error)")
        }
        if case .string(let s) = result, s.utf8.count > options.maxOutputBytes {
            at(node)
            throw failure("result of \(name) exceeds the limit of \(options.maxOutputBytes) bytes", isLimit: true)
        }
        return result
    }

    private mutating func validateType(_ value: TemplateValue, _ type: TemplateParameterType?) throws(ExecFailure) -> TemplateValue {
        guard let type, type != .any else { return value }
        if case .null = value {
            if type.acceptsNil { return type.zeroValue }
            throw failure("invalid value; expected \(type.goTypeName)")
        }
        if type.accepts(value) { return value }
        throw failure("wrong type for value; expected \(type.goTypeName); got \(value.goTypeName)")
    }

    private mutating func evalArg(_ dot: TemplateValue, _ type: TemplateParameterType?, _ n: Operand) throws(ExecFailure) -> TemplateValue {
        at(.operand(n))
        switch n {
        case .dot:
            return try validateType(dot, type)
        case .nilValue:
            guard let type, type != .any else { return .null }
            if type.acceptsNil { return type.zeroValue }
            throw failure("cannot assign nil to \(type.goTypeName)")
        case .field(let f):
            return try validateType(try evalFieldNode(dot, f, args: [n], final: nil), type)
        case .variable(let v):
            return try validateType(try evalVariableNode(dot, v, args: nil, final: nil), type)
        case .pipe(let p):
            return try validateType(try evalPipeline(dot, p), type)
        case .identifier(let id):
            return try validateType(try evalFunction(dot, id, node: .operand(n), args: nil, final: nil), type)
        case .chain(let c):
            return try validateType(try evalChainNode(dot, c, args: nil, final: nil), type)
        case .bool(let b):
            switch type {
            case .bool, .any, nil: return .bool(b.value)
            default: break
            }
        case .number(let num):
            switch type {
            case .any, nil: return try idealConstant(num)
            case .float: if num.isFloat { return .float(num.floatValue) }
            case .int: if num.isInt { return .int(Int(num.intValue)) }
            case .named("time.Duration"): if num.isInt { return .duration(TemplateDuration(nanoseconds: num.intValue)) }
            default: break
            }
        case .string(let s):
            switch type {
            case .string, .any, nil: return .string(s.text)
            default: break
            }
        }
        switch type {
        case .bool: throw failure("expected bool; found \(n.description)")
        case .float: throw failure("expected float; found \(n.description)")
        case .int: throw failure("expected integer; found \(n.description)")
        case .string: throw failure("expected string; found \(n.description)")
        default: throw failure("can't handle \(n.description) for arg of type \(type?.goTypeName ?? "<nil>")")
        }
    }
}
