"""Errors a user can cause, with the exit code each one maps to.

Exit codes (documented in README.md and docs/cli.md):
  0  every selected check passed (or the score reached --min-score)
  1  graded, but not passing
  2  usage error, or a broken exercises/inventory/scenario file
  3  the host could not be graded (unreachable, no permission, command missing), or it was
     reached but every check is `error` (not root, another backend): nothing passed or failed
  4  the simulated lab could not do what was asked (not root, missing program, host exists)
  141  standard output was closed early (`labgrade ... | head`): stopped quietly (128 + SIGPIPE)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_PASSING = 1
EXIT_USAGE = 2
EXIT_HOST = 3
EXIT_LAB = 4
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a program killed by it


class LabgradeError(Exception):
    """A one-line error for the user; the CLI prints it without a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputFileError(LabgradeError):
    """A broken input file. The message names the file, the line and the key."""

    exit_code = EXIT_USAGE

    def __init__(self, path: str, line: int | None, key: str | None, problem: str):
        where = path if line is None else f"{path}:{line}"
        what = f" key '{key}':" if key else ""
        super().__init__(f"{where}:{what} {problem}")
        self.path, self.line, self.key, self.problem = path, line, key, problem


class HostError(LabgradeError):
    """The host could not be graded: the message names the host and what went wrong."""

    exit_code = EXIT_HOST
    transient = False  # the server dropped the connection before the handshake: try again
    attempts = 1  # connections tried (connect.run_with_retries)


class LabError(LabgradeError):
    """The simulated lab refused or failed (not root, missing program, name in use...)."""

    exit_code = EXIT_LAB
