"""``python -m pac_grants.contract [--check] [DOCS]``: regenerate docs/schemas and
docs/asyncapi.yaml from the models (default DOCS: the docs/ folder of this source tree).

``--check`` writes nothing and exits 1 when a file is stale, naming it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pac_grants.contract.files import REGENERATE, stale_files, write_files

SOURCE_DOCS = Path(__file__).resolve().parents[2] / "docs"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    rest = [a for a in argv if a != "--check"]
    docs = Path(rest[0]) if rest else SOURCE_DOCS
    if not docs.is_dir():
        print(f"{docs}: no such folder (run from a source tree, or pass the docs folder)",
              file=sys.stderr)
        return 2
    if check:
        stale = stale_files(docs)
        for name in stale:
            print(f"{docs / name}: out of date; run `{REGENERATE}`", file=sys.stderr)
        return 1 if stale else 0
    for name in write_files(docs):
        print(f"{'wrote' if (docs / name).exists() else 'removed'} {docs / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
