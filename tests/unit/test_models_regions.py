"""region_for_change: the part of a file the encoder sees after an edit."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models import region_for_change
from models._regions import changed_line_span

JS_OLD = """import x from "x";

function first(a) {
  return a + 1;
}

function second(b) {
  const c = b * 2;
  if (c > 3) {
    return c;
  }
  return 0;
}

function third() {
  return 3;
}
"""


def test_change_is_widened_to_the_enclosing_function() -> None:
    new = JS_OLD.replace("return c;", "return c - 1;")
    region = region_for_change(JS_OLD, new, max_lines=40)
    assert region.splitlines()[0] == "function second(b) {"
    assert region.splitlines()[-1] == "}"
    assert "return c - 1;" in region
    assert "first" not in region and "third" not in region


def test_widening_stops_at_max_lines() -> None:
    new = JS_OLD.replace("return c;", "return c - 1;")
    region = region_for_change(JS_OLD, new, max_lines=3)
    lines = region.splitlines()
    assert len(lines) == 3 and "return c - 1;" in region
    assert lines[0].strip() == "if (c > 3) {"


def test_python_indentation_blocks() -> None:
    old = "import os\n\n\ndef f(x):\n    y = x\n    return y\n\n\ndef g():\n    pass\n"
    new = old.replace("y = x", "y = x + 1")
    assert region_for_change(old, new).splitlines() == [
        "def f(x):",
        "    y = x + 1",
        "    return y",
    ]


def test_edited_header_takes_its_body() -> None:
    new = JS_OLD.replace("function third() {", "function third(z) {")
    assert region_for_change(JS_OLD, new).splitlines() == [
        "function third(z) {",
        "  return 3;",
        "}",
    ]


def test_unknown_previous_revision_gives_the_head() -> None:
    assert region_for_change(None, JS_OLD, max_lines=2) == 'import x from "x";\n'
    assert region_for_change(JS_OLD, JS_OLD, max_lines=1) == 'import x from "x";'
    assert region_for_change(None, "") == ""


def test_changed_span() -> None:
    assert changed_line_span("a\nb\nc", "a\nB\nc") == (1, 1)
    assert changed_line_span("a\nb\nc", "a\nc") == (1, 1)  # deletion: the next line
    assert changed_line_span("a\nb", "a\nb\nc\nd") == (2, 3)  # append
    assert changed_line_span("a", "a") is None


@settings(database=None, deadline=None, max_examples=200)
@given(st.text(alphabet="ab {}\n", max_size=200), st.text(alphabet="ab {}\n", max_size=200))
def test_region_is_lines_of_the_new_text(old: str, new: str) -> None:
    region = region_for_change(old, new, max_lines=5)
    lines = region.splitlines()
    assert len(lines) <= 5
    source = new.splitlines()
    if lines:
        # A contiguous run of the new file's lines.
        assert any(source[i : i + len(lines)] == lines for i in range(len(source)))
