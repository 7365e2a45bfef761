"""`adapter` for sqlfluff's jinja templater (make lint): adapter.dispatch('m', 'classchat') renders the
macro default__m, so the models are linted as the DuckDB SQL they build (macros/cross_engine.sql)."""

from jinja2 import Undefined, pass_context


def dispatch(macro_name, macro_namespace=None):
    @pass_context
    def call(context, *args, **kwargs):
        for name in (f"duckdb__{macro_name}", f"default__{macro_name}"):
            macro = context.resolve(name)
            if not isinstance(macro, Undefined):
                return macro(*args, **kwargs)
        raise NameError(f"no duckdb__ or default__ implementation of {macro_name}")

    return call
