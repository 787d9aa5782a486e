#!/usr/bin/env bash
# Runs each test target in its own `swift test` process, one after another, and
# prints one closing line for all of them.
#
# Why not one `swift test`: on a 2-core machine Swift's cooperative thread pool has
# two threads, and tests of one module that block (CPU-heavy property tests,
# waits on child processes) starve the scrape loops and in-process HTTP servers
# that another module's tests run at the same time. Per-target processes keep
# each module's tests parallel among themselves without that interference.
set -u
cd "$(dirname "$0")/.."

swift_bin=${SWIFT:-swift}
targets=$(ls -d Tests/*Tests 2>/dev/null | xargs -n1 basename)
total=0
failed=0
failed_targets=()
for target in $targets; do
    echo "=== $target"
    log=$(mktemp)
    # Bounded: a hung target fails after 15 minutes instead of eating CI's budget.
    timeout 900 "$swift_bin" test --skip-build --filter "^${target}\." >"$log" 2>&1
    status=$?
    grep -E '^(✘|✔ Test run|error:|.*Fatal error)' "$log"
    [ "$status" -eq 124 ] && echo "$target timed out after 900 s"
    run=$(grep -E 'Test run with [0-9]+ test' "$log" | tail -1 | sed -E 's/.*Test run with ([0-9]+) test.*/\1/')
    bad=$(grep -cE '^✘ Test .* failed after' "$log" | tr -d ' ')
    bad=$(( bad > 0 ? bad - $(grep -cE '^✘ Test run with' "$log") : 0 ))
    total=$(( total + ${run:-0} ))
    failed=$(( failed + bad ))
    if [ "$status" -ne 0 ]; then
        failed_targets+=("$target")
        [ "$bad" -eq 0 ] && failed=$(( failed + 1 ))
    fi
    rm -f "$log"
done
# The Python tests: Ember's API against a real Prometheus, the web UI in headless Chromium.
# They start the `ember` built above (.build/debug/ember) and count in the same closing line.
if [ -d tests-py ]; then
    echo "=== tests-py"
    log=$(mktemp)
    timeout 1200 python3 -B -m unittest discover -s tests-py -p 'test_*.py' -v >"$log" 2>&1
    status=$?
    grep -E '^(FAIL|ERROR): |^UI figure|^Ran [0-9]+ test|^(OK|FAILED)' "$log"
    run=$(grep -E '^Ran [0-9]+ test' "$log" | tail -1 | sed -E 's/Ran ([0-9]+) test.*/\1/')
    # A test with failing subtests is one failed test; a failing setUpClass is one more.
    bad=$(grep -E '^(FAIL|ERROR): ' "$log" | sed -E 's/ \(.*//' | sort -u | wc -l | tr -d ' ')
    class_errors=$(grep -cE '^ERROR: (setUpClass|tearDownClass|setUpModule)' "$log" | tr -d ' ')
    total=$(( total + ${run:-0} + class_errors ))
    failed=$(( failed + bad ))
    if [ "$status" -ne 0 ]; then
        failed_targets+=("tests-py")
        [ "$bad" -eq 0 ] && { failed=$(( failed + 1 )); tail -20 "$log"; }
    fi
    rm -f "$log"
fi

echo
[ ${#failed_targets[@]} -gt 0 ] && echo "Failing targets: ${failed_targets[*]}"
echo "$(( total - failed )) passed, $failed failed"
[ ${#failed_targets[@]} -eq 0 ]
