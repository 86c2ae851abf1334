"""Parsers: one small pure function per command output (no I/O, tolerant of junk lines)."""
