#!/usr/bin/python3
"""docs/architecture.md's index of design notes is the notes in the code.

A note is written once, beside the code it governs, as a comment line
"Note [Name]" (alone, or followed by ":" and its text); everything else that
names it ("See Note [Name]") cites it. The index under "## Design notes"
lists each note and the file that holds it, as the repository path. This
fails on a note the index lacks, an index row naming no note or the wrong
file, and a note written in two places.

  check_notes_index.py SOURCE_DIR
"""
import os
import re
import sys

root = sys.argv[1]
folders = ["cmake", "runtime", "kernels", "launcher", "examples", "tests", "bench", "scripts"]
suffixes = (".h", ".cc", ".cu", ".cuh", ".cmake", ".sh", ".py", "CMakeLists.txt")
definition = re.compile(r"^\s*(?://|#) Note \[([^\]]+)\](?::|\s*$)")

defined = {}  # name -> [paths]


def scan(path):
    with open(path, errors="replace") as f:
        for line in f:
            m = definition.match(line)
            if m:
                defined.setdefault(m.group(1), []).append(os.path.relpath(path, root))


scan(os.path.join(root, "CMakeLists.txt"))
for folder in folders:
    for here, dirs, files in os.walk(os.path.join(root, folder)):
        dirs[:] = [d for d in dirs if not d.startswith((".", "build"))]
        for name in files:
            if not name.endswith(suffixes):
                continue
            scan(os.path.join(here, name))

doc = open(os.path.join(root, "docs", "architecture.md")).read()
section = doc.split("## Design notes", 1)[1].split("\n## ", 1)[0]
indexed = {}  # name -> path
for row in re.finditer(r"^\| (.+?) \| `([^`]+)` \|$", section, re.M):
    for name in row.group(1).split(", "):
        indexed[name] = row.group(2)

problems = []
if len(defined) < 20:
    problems.append(f"only {len(defined)} notes found under {root}: has the layout moved?")
for name, paths in sorted(defined.items()):
    if len(set(paths)) > 1:
        problems.append(f"Note [{name}] is written in {len(set(paths))} places: {', '.join(sorted(set(paths)))}")
    elif name not in indexed:
        problems.append(f"Note [{name}] ({paths[0]}) is not in docs/architecture.md's index")
    elif indexed[name] != paths[0]:
        problems.append(f"docs/architecture.md puts Note [{name}] in {indexed[name]}; it is in {paths[0]}")
for name, path in sorted(indexed.items()):
    if name not in defined:
        problems.append(f"docs/architecture.md lists Note [{name}] ({path}), which no file holds")
if problems:
    print("check_notes_index: the design notes and their index differ:\n  " + "\n  ".join(problems))
    print("Write each note once, as a line 'Note [Name]', and list it under '## Design notes'.")
    sys.exit(1)
print(f"check_notes_index: {len(defined)} notes, each indexed where it is")
