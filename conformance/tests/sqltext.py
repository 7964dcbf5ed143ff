"""Splitting a listing into statements, with the comments that follow each one."""

import re


def strip_comment(line):
    """The line without a trailing `-- comment` (outside single quotes)."""
    quoted = False
    for i, c in enumerate(line):
        if c == "'":
            quoted = not quoted
        elif not quoted and line.startswith("--", i):
            return line[:i].rstrip()
    return line.rstrip()


def statements(text):
    """[(statement, [comment lines after it])] in order. A statement ends at a line whose
    code (comments removed) ends with `;`."""
    out = []
    buf = []
    for line in text.splitlines():
        code = strip_comment(line)
        if not code.strip():
            if line.strip().startswith("--") and not buf and out:
                out[-1][1].append(line.strip())
            continue
        buf.append(code)
        if code.endswith(";"):
            out.append((" \n".join(buf)[:-1].strip(), []))
            buf = []
    if buf:
        out.append(("\n".join(buf).strip(), []))
    return out


PLACEHOLDER = re.compile(r"\$\d+")
