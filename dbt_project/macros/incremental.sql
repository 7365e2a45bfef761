{% macro only_new_sessions(column='landed_at', keyword='where', incremental=none) -%}
    {#-
        On an incremental run, keep only rows of sessions this model does not hold
        yet: those landed after the newest session it holds (landing times carry
        microseconds, so two runs never share one), and those classchat lists in
        main._classchat_pending (every session of the lake that the warehouse was
        not built from, whatever happened to earlier runs: see
        classchat.provenance.plan_build). A re-landed session replaces its old rows
        (delete+insert by session_id). On a full build, keep everything.
        `incremental` overrides the test (the session_batched materialization passes it).
    -#}
    {%- if incremental is none -%}
        {%- set incremental = is_incremental() or (
            execute and model.config.materialized == 'session_batched' and not should_full_refresh()
            and load_cached_relation(this) is not none) -%}
    {%- endif -%}
    {%- if incremental -%}
        {{ keyword }} ({{ column }} > (select coalesce(max(landed_at), timestamp '1900-01-01') from {{ this }})
            or session_id in (select session_id from main._classchat_pending))
    {%- endif -%}
{%- endmacro %}
