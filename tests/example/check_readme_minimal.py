"""The README's minimal trainer is the main() of examples/minimal/main.cc,
character for character, so the README cannot go stale.

    check_readme_minimal.py SOURCE_DIR
"""
import re
import sys

root = sys.argv[1]
readme = open(f"{root}/README.md").read()
source = open(f"{root}/examples/minimal/main.cc").read()
blocks = re.findall(r"```cpp\n(.*?)```", readme, re.S)
main = source[source.index("int main("):]
if main not in blocks:
    print("check_readme_minimal: FAILED: README.md has no ```cpp block equal to the main() of "
          "examples/minimal/main.cc; copy it over")
    sys.exit(1)
print("check_readme_minimal: the README's trainer is examples/minimal's main()")
