#!/usr/bin/env bash
# Every MPI call in the library is checked (STYLE: COHORT_MPI_CHECK, or
# COHORT_MPI_WARN where it must not throw, or MpiCommunicator::check for the
# collectives, or a result kept in a variable and tested): a call whose result
# is dropped would hide a failure. Calls may span lines, as clang-format
# wraps them.
# Usage: check_mpi_calls.sh SOURCE_DIR
set -euo pipefail
exec /usr/bin/python3 - "$1" <<'PY'
import pathlib, re, sys

root = pathlib.Path(sys.argv[1])
call = re.compile(r"\bMPI_[A-Z][a-z_]+\(")
# What may stand before a call: a checking wrapper, or an assignment / return.
checked = re.compile(r"(COHORT_MPI_CHECK\(|COHORT_MPI_WARN\(|check\(|=|return)\s*$")
unchecked = []
sources = sorted(root.glob("runtime/cohort/**/*.cc")) + sorted(root.glob("kernels/cohort/**/*.cc"))
if len(sources) < 50:
    sys.exit(f"check_mpi_calls: found only {len(sources)} library sources under {root}; has the layout moved?")
for path in sources:
    if path.name == "mpi_check.cc":
        continue
    text = path.read_text()
    # Blank out comments and strings, keeping offsets (and so line numbers).
    text = re.sub(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\])*\"",
                  lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    for m in call.finditer(text):
        before = text[:m.start()]
        if checked.search(before):
            continue
        line = before.count("\n") + 1
        unchecked.append(f"{path.relative_to(root)}:{line}: {text.splitlines()[line - 1].strip()}")
if unchecked:
    print("unchecked MPI calls (wrap them in COHORT_MPI_CHECK, or COHORT_MPI_WARN where nothing may throw):")
    print("\n".join(unchecked))
    sys.exit(1)
print(f"check_mpi_calls: every MPI call in the {len(sources)} library sources is checked")
PY
