"""Rust literals for the table generators in tools/ (dump_rules.py, dump_tables.py): one place
decides how a Python string or code point is written into generated Rust source."""


def rs_str(s):
    """A Rust string literal; everything outside printable ASCII is escaped."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%x}" % o)
    return '"' + "".join(out) + '"'


def rs_char(c):
    """A Rust char literal for code point `c`."""
    ch = chr(c)
    if ch in "'\\":
        return "'\\" + ch + "'"
    if 0x20 <= c < 0x7F:
        return "'" + ch + "'"
    return "'\\u{%x}'" % c
