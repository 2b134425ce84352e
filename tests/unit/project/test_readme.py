"""README.md stays a five-minute read: small, its links and docs/ links resolve, its make targets exist."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
MAX_README_BYTES = 12_288
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MAKE_TARGET = re.compile(r"(?:^|[;&|(]\s*)make ([a-z][a-z-]*)")


def relative_links(text: str) -> list[str]:
    """Markdown link targets that are files of this repository (not URLs, anchors or mail)."""
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    return [t for t in LINK.findall(prose) if not t.startswith(("http://", "https://", "#", "mailto:"))]


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


def make_commands(text: str) -> list[tuple[str, str]]:
    """(snippet, target) of every `make <target>` in backticks, and of every line of a code block that runs make."""
    found = []
    for span in INLINE_CODE.findall(FENCE.sub("", text)):
        code = span.strip("`").strip()
        found += [(code, t) for t in MAKE_TARGET.findall(code)]
    for block in FENCE.findall(text):
        for line in block.splitlines()[1:-1]:
            if line.lstrip().startswith("make "):
                command = line.split("#", 1)[0].strip()
                found += [(command, t) for t in MAKE_TARGET.findall(command)]
    return found


def test_readme_is_at_most_12_kib():
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, (f"README.md is {size} bytes, over {MAX_README_BYTES}: move the detail into a "
                                      f"page of docs/ and link it")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_an_existing_file(page):
    broken = []
    for target in relative_links(page.read_text(encoding="utf-8")):
        path = target.split("#", 1)[0]
        if path and not (page.parent / path).exists():
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: links to missing files: {', '.join(broken)}"


def test_the_link_checker_sees_a_broken_link():
    # The check above must not pass because it finds nothing: it sees links, and a missing file.
    text = "[ok](README.md) [gone](docs/no-such-page.md#part) [web](https://example.org) [top](#top) `[no](x.md)`"
    assert relative_links(text) == ["README.md", "docs/no-such-page.md#part"]


def test_every_make_target_named_in_the_readme_exists():
    targets = makefile_targets()
    assert {"run", "test", "help"} <= targets, f"Makefile targets not parsed: {sorted(targets)}"
    commands = make_commands(README.read_text(encoding="utf-8"))
    assert commands, "no `make ...` command found in README.md"
    unknown = sorted({f"`{snippet}` (target {target!r})" for snippet, target in commands if target not in targets})
    assert not unknown, f"README.md names make targets the Makefile does not define: {', '.join(unknown)}"


def test_the_first_screen_gives_make_run_and_make_test():
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:40])
    for command in ("make run", "make test"):
        assert command in first, f"README.md does not mention `{command}` in its first 40 lines"
