/// Signature of a PromQL function, as the parser checks calls against it.
public struct FunctionDef: Sendable {
    /// The function name as written in queries.
    public let name: String
    /// Expected argument types, in order.
    public let argTypes: [ValueType]
    /// 0: exactly `argTypes.count` arguments; n > 0: up to n trailing
    /// arguments are optional; -1: the last type repeats without limit.
    public let variadic: Int
    /// The result type.
    public let returnType: ValueType

    /// Functions whose result depends on the evaluation time rather than only on
    /// the samples (the `@` modifier cannot make them step invariant).
    var dependsOnTime: Bool {
        switch name {
        case "time", "timestamp", "predict_linear", "hour", "minute", "month", "year",
             "day_of_month", "day_of_week", "day_of_year", "days_in_month", "start", "end", "step", "range":
            return true
        default: return false
        }
    }

    /// Looks up a function by its exact name.
    public static func named(_ name: String) -> FunctionDef? { table[name] }

    private static let table: [String: FunctionDef] = {
        var t: [String: FunctionDef] = [:]
        func add(_ name: String, _ args: [ValueType], _ ret: ValueType, variadic: Int = 0) {
            t[name] = FunctionDef(name: name, argTypes: args, variadic: variadic, returnType: ret)
        }
        let v = ValueType.vector, m = ValueType.matrix, s = ValueType.scalar, str = ValueType.string
        for name in ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "deg",
                     "exp", "floor", "ln", "log10", "log2", "rad", "sgn", "sin", "sinh", "sqrt", "tan", "tanh",
                     "sort", "sort_desc", "absent", "histogram_avg", "histogram_count", "histogram_sum",
                     "histogram_stddev", "histogram_stdvar", "timestamp"] {
            add(name, [v], v)
        }
        for name in ["avg_over_time", "count_over_time", "last_over_time", "first_over_time", "max_over_time",
                     "min_over_time", "sum_over_time", "stddev_over_time", "stdvar_over_time",
                     "present_over_time", "absent_over_time", "mad_over_time", "changes", "resets", "delta",
                     "deriv", "idelta", "increase", "irate", "rate", "ts_of_first_over_time",
                     "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time"] {
            add(name, [m], v)
        }
        for name in ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"] {
            add(name, [v], v, variadic: 1)
        }
        for name in ["time", "pi", "step", "range", "start", "end"] { add(name, [], s) }
        add("min_of", [s, s], s)
        add("max_of", [s, s], s)
        add("clamp", [v, s, s], v)
        add("clamp_max", [v, s], v)
        add("clamp_min", [v, s], v)
        add("round", [v, s], v, variadic: 1)
        add("scalar", [v], s)
        add("vector", [s], v)
        add("predict_linear", [m, s], v)
        add("quantile_over_time", [s, m], v)
        add("double_exponential_smoothing", [m, s, s], v)
        add("histogram_quantile", [s, v], v)
        add("histogram_fraction", [s, s, v], v)
        add("histogram_quantiles", [v, str, s, s], v, variadic: -1)
        add("label_replace", [v, str, str, str, str], v)
        add("label_join", [v, str, str, str], v, variadic: -1)
        add("sort_by_label", [v, str], v, variadic: -1)
        add("sort_by_label_desc", [v, str], v, variadic: -1)
        add("info", [v, v], v, variadic: 1)
        return t
    }()
}
