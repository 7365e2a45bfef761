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
        {#- the first test alone is one that DuckDB prunes the scan with (row-group min/max of landed_at): no
            pending session landed before the scope's changed_since (classchat writes both), so it keeps
            every row the second one keeps; without a scope it keeps everything. At 8 M messages it reads
            1 of 67 row groups where the second test alone read them all (0.60 s -> 0.01 s a model). -#}
        {%- set newest = "(select coalesce(max(landed_at), timestamp '1900-01-01') from " ~ this ~ ")" -%}
        {{ keyword }} {{ column }} >= least(
            {{ newest }}, coalesce((select max(changed_since) from main._classchat_scope), timestamp '1900-01-01')
        )
        and ({{ column }} > {{ newest }} or session_id in (select session_id from main._classchat_pending))
    {%- endif -%}
{%- endmacro %}

{% macro only_new_session_files(files, keyword='where') -%}
    {#-
        only_new_sessions for the model that reads the lake's messages view (the first per-session
        model): the same sessions, chosen on the small manifest of files (`files`, stg_lake__files)
        first, so DuckDB reads only their Parquet files. A test of landed_at on the view itself makes
        it join and key every message of the lake before filtering: 1.4 s for one new lecture in an
        8 M-message lake, against 0.03 s this way. A message's landed_at is its file's ingested_at.
    -#}
    {%- if is_incremental() -%}
        {{ keyword }} source_file in (
            select source_file from {{ files }}
            where status = 'landed' {{ only_new_sessions(column='ingested_at', keyword='and') }}
        )
    {%- endif -%}
{%- endmacro %}

{% macro drop_build_leftovers() -%}
    {{ return(adapter.dispatch('drop_build_leftovers', 'classchat')()) }}
{%- endmacro %}

{% macro default__drop_build_leftovers() -%}
    select 1
{%- endmacro %}

{% macro duckdb__drop_build_leftovers() -%}
    {#-
        on-run-end: drop the work tables a build leaves in the warehouse. an
        incremental Python model leaves its `<model>__dbt_tmp<time>` table on every incremental
        run (question_topics was one until it became SQL; the rule stays for any other), and a killed session_batched build leaves `<model>__batches`.
        They are copies of mart rows that no test, check or report knows about: they only grow
        the warehouse, and they are not the tables ad-hoc SQL should find.
    -#}
    {%- if execute -%}
        {%- set leftovers = run_query(
            "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
            ~ " and (contains(table_name, '__dbt_tmp') or ends_with(table_name, '__batches'))"
        ).columns[0].values() -%}
        {%- for name in leftovers %}
            drop table if exists main."{{ name }}";
        {%- endfor %}
    {%- endif %}
    select 1
{%- endmacro %}
