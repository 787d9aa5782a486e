"""Compares Prometheus API JSON with Ember's: identical shapes, values equal or within a tolerance."""
import json
import math


def _number(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def _type(v):
    return "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__


def shape_diffs(want, got, path="$"):
    """Differences in structure only: object keys, JSON types, list lengths (elements compared pairwise)."""
    if _type(want) != _type(got):
        return [f"{path}: Prometheus has a {_type(want)}, Ember a {_type(got)}"]
    if isinstance(want, dict):
        out = []
        for k in sorted(set(want) | set(got)):
            if k not in got:
                out.append(f"{path}: Ember lacks key {k!r}")
            elif k not in want:
                out.append(f"{path}: Ember has extra key {k!r}")
            else:
                out += shape_diffs(want[k], got[k], f"{path}.{k}")
        return out
    if isinstance(want, list):
        out = [] if len(want) == len(got) else [f"{path}: Prometheus has {len(want)} elements, Ember {len(got)}"]
        for i, (a, b) in enumerate(zip(want, got)):
            out += shape_diffs(a, b, f"{path}[{i}]")
        return out
    return []


def value_diffs(want, got, path="$", rel=0.0, abs_tol=0.0):
    """Differences in structure and values; numeric strings compare within rel/abs tolerance when one is given."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = shape_diffs({k: None for k in want}, {k: None for k in got}, path)
        for k in sorted(set(want) & set(got)):
            out += value_diffs(want[k], got[k], f"{path}.{k}", rel, abs_tol)
        return out
    if isinstance(want, list) and isinstance(got, list):
        out = [] if len(want) == len(got) else [f"{path}: Prometheus has {len(want)} elements, Ember {len(got)}"]
        for i, (a, b) in enumerate(zip(want, got)):
            out += value_diffs(a, b, f"{path}[{i}]", rel, abs_tol)
        return out
    if want == got:
        return []
    a, b = _number(want), _number(got)
    if (rel or abs_tol) and a is not None and b is not None and _type(want) == _type(got):
        if math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol) or (math.isnan(a) and math.isnan(b)):
            return []
    return [f"{path}: Prometheus {json.dumps(want)}, Ember {json.dumps(got)}"]


def metric_key(series):
    return json.dumps(series.get("metric", {}), sort_keys=True)


def sorted_result(body):
    """The response with a vector or matrix result sorted by labels (their order is unspecified for vectors)."""
    data = body.get("data")
    if isinstance(data, dict) and isinstance(data.get("result"), list) and data.get("resultType") in ("vector", "matrix"):
        body = dict(body, data=dict(data, result=sorted(data["result"], key=metric_key)))
    return body
