"""The example in docs/schedules.md runs and prints exactly the output shown there."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "schedules.md"


def test_the_schedules_guide_example_prints_what_the_guide_says():
    text = DOC.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S)
    shown = re.search(r"Output:\n\n```text\n(.*?)```", text, re.S)
    assert code is not None
    assert shown is not None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.group(1), str(DOC), "exec"), {"__name__": "docs_example"})
    assert printed.getvalue() == shown.group(1)
