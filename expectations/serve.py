"""The checker process's entry point: `python -m classchat.expectations.serve`, started by `checker.CheckerProcess`.

A module of its own (not `checker` itself): running a module that others import as `__main__`
would load it twice and make Python warn.
"""

from classchat.expectations.checker import _serve

_serve()
