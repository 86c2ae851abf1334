#!/bin/sh
# PrairieLearn's external-grader entrypoint (docs/autograders.md): the student uploads one file,
# the snapshot that `sudo labgrade collect -o snapshot.json` wrote on their DevStack host
# (/grade/student/*.json). labgrade grades it with /grade/tests/exercises.yaml when the question
# has one (else the shipped rubric) and writes /grade/results/results.json. A file that is not
# a snapshot, or a host that could not be graded, is `gradable: false`: no points, no attempt
# used. GRADE_ROOT, LABGRADE and PYTHON override /grade, labgrade and python3 (for tests).
set -u
root=${GRADE_ROOT:-/grade}
labgrade=${LABGRADE:-labgrade}
python=${PYTHON:-python3}
results="$root/results/results.json"
mkdir -p "$root/results"

not_gradable() { # MESSAGE
  "$python" - "$results" "$1" <<'PY'
import json, sys
message = ("labgrade could not grade this submission: " + sys.argv[2] + " Submit the snapshot "
           "that `sudo labgrade collect -o snapshot.json` writes on your DevStack host.")
with open(sys.argv[1], "w") as out:
    json.dump({"gradable": False, "message": message, "format_errors": [message]}, out, indent=2)
PY
  exit 0
}

set -- "$root"/student/*.json
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  count=$(find "$root/student" -maxdepth 1 -name '*.json' -type f 2>/dev/null | wc -l)
  not_gradable "upload exactly one .json file (the snapshot); this submission has $count."
fi
set -- check --snapshot "$1" --report "prairielearn=$results" --report text=-
if [ -f "$root/tests/exercises.yaml" ]; then
  set -- "$@" --exercises "$root/tests/exercises.yaml"
fi
"$labgrade" "$@" 2> "$root/results/labgrade.stderr"
code=$?
cat "$root/results/labgrade.stderr" >&2
case $code in
  0 | 1 | 3) exit 0 ;;
esac
not_gradable "$(head -c 1000 "$root/results/labgrade.stderr" | sed 's/^labgrade: error: //' | tr '\n' ' ')"
