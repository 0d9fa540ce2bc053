#!/usr/bin/env python3
"""Checks the project's Markdown the way a reader meets it.

    scripts/docs.py links              every relative link and image in every tracked
                                       Markdown file resolves, anchors included
    scripts/docs.py commands FILE...   every ```sh block of FILE runs, as typed, from the
                                       repository root, and leaves no file that git
                                       would show (the outputs are in .gitignore)

A block preceded by `<!-- not run: REASON -->` is skipped, and the reason is printed
(for a command another CI step runs as it is, such as `cargo test --workspace`). The
blocks run in order, in one bash per block with `set -euo pipefail`, with cargo's bin
folder first on PATH (where `cargo install` puts `linksim`) and CARGO_TARGET_DIR set to
the repository's target/ (so installs reuse what CI built). Each file starts from the
tree as it was: what its commands wrote is removed after it. Exit 1 on the first
failure, with the block and its output.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
BLOCK_TIMEOUT_S = 900


def tracked_markdown():
    out = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return [ROOT / line for line in out.splitlines() if line]


def prose_lines(text, blank_code=True):
    """The lines outside code blocks, with inline code blanked (or only its backticks
    dropped, as a heading's anchor reads it)."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if match and (fence is None or match.group(2).startswith(fence)):
            fence = None if fence else match.group(2)
            continue
        if fence is None:
            code = (lambda m: "") if blank_code else (lambda m: m.group(0).strip("`"))
            yield number, re.sub(r"`[^`]*`", code, line)


def slug(heading):
    """GitHub's anchor for a heading."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        seen = {}
        found = set()
        for _, line in prose_lines(path.read_text(encoding="utf-8"), blank_code=False):
            match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not match:
                continue
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        cache[path] = found
    return cache[path]


def check_links():
    problems = []
    files = tracked_markdown()
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for number, line in prose_lines(text):
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue  # http:, https:, mailto: are not checked here
                checked += 1
                file_part, _, anchor = target.partition("#")
                dest = (path.parent / file_part).resolve() if file_part else path
                where = f"{path.relative_to(ROOT)}:{number}"
                if not dest.exists():
                    problems.append(f"{where}: {target}: no such file")
                elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                    problems.append(f"{where}: {target}: no heading makes #{anchor}")
    for problem in problems:
        print(problem)
    print(f"{checked} relative links in {len(files)} Markdown files: {len(problems)} broken")
    return 1 if problems else 0


def shell_blocks(path):
    """(line, code, reason-not-run) for each ```sh block of `path`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, language = match.group(2), match.group(3)
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if language in ("sh", "bash", "shell"):
            before = next((l for l in reversed(lines[:i]) if l.strip()), "")
            reason = NOT_RUN.search(before)
            blocks.append((i + 1, "\n".join(lines[i + 1 : end]), reason and reason.group(1)))
        i = end + 1
    return blocks


def git_paths():
    """Untracked and ignored paths git knows of, outside target/."""
    out = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    paths = {}
    for line in out.splitlines():
        state, path = line[:2], line[3:]
        if state in ("??", "!!") and not path.startswith(("target/", "fuzz/target/")):
            paths[path] = state
    return paths


def run_block(where, code, env):
    """Runs one block; None, or its failure's output."""
    first = code.strip().splitlines()[0]
    print(f"-- {where}: {first}", flush=True)
    start = time.monotonic()
    try:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S,
        )
        status, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as e:
        status, output = "timeout", f"{e.stdout or ''}{e.stderr or ''}"
    print(f"   {time.monotonic() - start:.1f} s, exit {status}")
    return None if status == 0 else output[-4000:]


def clean_up(before):
    """Removes what the blocks wrote; the outputs git would show (not ignored)."""
    new = {p: s for p, s in git_paths().items() if p not in before}
    for p in sorted(new, reverse=True):
        target = ROOT / p
        if target.is_file() or target.is_symlink():
            target.unlink()
    for p in sorted({str(Path(p).parent) for p in new}, key=len, reverse=True):
        folder = ROOT / p
        if p != "." and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return sorted(p for p, s in new.items() if s == "??")


def run_file(path, env):
    """Runs the blocks of one file, then removes what they wrote: 0 or 1."""
    before = git_paths()
    failure = None
    for line, code, reason in shell_blocks(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        if reason:
            print(f"-- {where}: not run ({reason})")
            continue
        output = run_block(where, code, env)
        if output is not None:
            print(output)
            failure = where
            break
    shown = clean_up(before)
    if shown:
        print("these outputs would show in `git status` (add them to .gitignore):")
        for p in shown:
            print(f"   {p}")
    if failure:
        print(f"FAIL: the block at {failure}")
    return 1 if failure or shown else 0


def run_commands(files):
    """Each file's blocks in turn, each file from a clean tree."""
    env = dict(os.environ)
    cargo_bin = Path(env.get("CARGO_HOME", Path.home() / ".cargo")) / "bin"
    env["PATH"] = f"{cargo_bin}{os.pathsep}{env['PATH']}"
    env.setdefault("CARGO_TARGET_DIR", str(ROOT / "target"))
    for file in files:
        if run_file((ROOT / file).resolve(), env):
            return 1
    return 0


def main(argv):
    if argv[:1] == ["links"] and len(argv) == 1:
        return check_links()
    if argv[:1] == ["commands"] and len(argv) > 1:
        return run_commands(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
