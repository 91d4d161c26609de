"""Run a Snakemake script body with its output copied to the rule's log file."""

from __future__ import annotations

import contextlib
import sys
import traceback


class _Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()

    def isatty(self):
        return False


@contextlib.contextmanager
def logged(log_path: str):
    """Copy stdout/stderr into log_path; an error ends with one line that says what is wrong."""
    with open(log_path, "w") as log:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Tee(old_out, log), _Tee(old_err, log)
        try:
            yield
        except Exception as error:
            traceback.print_exc(file=log)
            sys.stderr.write(f"\nERROR: {error}\n")
            raise SystemExit(1) from None
        finally:
            sys.stdout, sys.stderr = old_out, old_err
