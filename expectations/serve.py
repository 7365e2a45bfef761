"""The checker process's entry point: `python -m classchat.expectations.serve`, started by `runner.CheckerProcess`.

A module of its own (not `runner` itself) because the package imports
`runner`: running that as `__main__` would load it twice and make Python warn.
"""

from classchat.expectations.runner import _serve

_serve()
