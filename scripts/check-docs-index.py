#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that the documentation index names every page.

docs/devel/README.md is the index of the project's documentation: each
page of docs/devel/ must appear in it as `NAME.md`, and each page of
docs/system/ as `NAME.md` in its user-page list (the paragraph that
starts "User pages are in").  The top-level README.md's user-page list
(the line starting "User pages:") must name every docs/system/ page as
`docs/system/NAME.md`.  A page that is named but does not exist is an
error too.

Usage: check-docs-index.py SRCDIR
Exit status 0 when complete; 1 with one line per problem otherwise.
Run by `meson test check-docs-index`.
"""
import os
import re
import sys


def pages(d):
    return {f for f in os.listdir(d) if f.endswith(".md")}


def main():
    src = sys.argv[1]
    devel = os.path.join(src, "docs", "devel")
    system = os.path.join(src, "docs", "system")
    with open(os.path.join(devel, "README.md")) as f:
        index = f.read()
    with open(os.path.join(src, "README.md")) as f:
        top = f.read()
    problems = []
    para = re.search(r"User pages are in `docs/system/`:(.*?)\n\n", index,
                     re.S)
    user = para.group(1) if para else ""
    if not para:
        problems.append("docs/devel/README.md: no user-page list")
    named_user = set(re.findall(r"`([\w.-]+\.md)`", user))
    for p in sorted(pages(devel) - {"README.md"}):
        if f"`{p}`" not in index.replace(user, ""):
            problems.append(f"docs/devel/README.md: devel page {p} missing")
    for p in sorted(pages(system) - named_user):
        problems.append(f"docs/devel/README.md: user page {p} missing")
    for p in sorted(named_user - pages(system)):
        problems.append(f"docs/devel/README.md: names docs/system/{p}, "
                        "which does not exist")
    line = re.search(r"^User pages:(.*?)(?:\n\n|\Z)", top, re.S | re.M)
    named_top = set(re.findall(r"`docs/system/([\w.-]+\.md)`",
                               line.group(1))) if line else set()
    if not line:
        problems.append("README.md: no 'User pages:' list")
    for p in sorted(pages(system) - named_top):
        problems.append(f"README.md: user page docs/system/{p} missing")
    for p in sorted(named_top - pages(system)):
        problems.append(f"README.md: names docs/system/{p}, which does "
                        "not exist")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
