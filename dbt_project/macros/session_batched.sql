{#-
    session_batched: an incremental table (delete+insert by session_id, like the project's
    per-session models) whose SQL runs once per batch of sessions instead of once over all.

    Why: a model whose every step is per session (int_questions_answered pairs each question
    with the messages after it in its session) grows its joins, windows and list aggregates with
    the whole input when run as one query; at 2 M messages DuckDB ran out of 18.8 GiB
    (docs/scaling.md). Run per batch of whole sessions, each query holds one batch, and the
    result is the same rows, because no step looks across sessions.

    The model marks where its input is read with `where {{ session_batch() }}`; here that marker
    becomes `hash(session_id) % n = k` for batch k of n, and on an incremental build also the
    test of only_new_sessions (the sessions this table lacks), so the model itself does not call
    it: an ephemeral model it reads (int_answer_pairs) carries the marker too, and only here is it
    known whether this build is incremental. n is the number of new input rows
    (config `batch_input`, a model name, filtered by only_new_sessions) divided by config
    `batch_rows`, rounded up. Outside this materialization (dbt unit tests, `dbt show`) the
    marker is `true` and the model runs whole.

    Full build: the batches fill a new table that replaces the old one. Incremental: the batches
    fill a stage table; the target loses every row of the sessions being rebuilt (those in the
    stage and those classchat lists as pending, so a re-landed session that now yields no rows
    loses its old ones) and gains the stage's rows.
-#}
{% macro session_batch() -%}
    true /* classchat:session_batch */
{%- endmacro %}

{% materialization session_batched, adapter='duckdb' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set full = existing_relation is none or existing_relation.is_view or should_full_refresh() -%}
    {%- set stage_relation = make_intermediate_relation(target_relation, suffix='__batches') -%}
    {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
    {%- set marker = session_batch() -%}
    {%- if marker not in compiled_code -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": session_batched needs `where " ~ marker ~ "` where the model reads its input") }}
    {%- endif -%}

    {{ drop_relation_if_exists(load_cached_relation(stage_relation)) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set input_rows = run_query(
        "select count(*) from " ~ ref(config.require('batch_input')) ~ " " ~ only_new_sessions(incremental=not full)
    ).columns[0].values()[0] -%}
    {%- set n = [1, ((input_rows + config.require('batch_rows') - 1) // config.require('batch_rows')) | int] | max -%}
    {%- for k in range(n) -%}
        {#- the batch, and (incremental) only the sessions this table lacks: the marker may stand in several
            places, an ephemeral model's among them (int_answer_pairs), whose own context cannot tell -#}
        {%- set batch_sql = compiled_code | replace(
            marker, "(hash(session_id) % " ~ n ~ " = " ~ k ~ ") " ~ only_new_sessions(keyword='and', incremental=not full)
        ) -%}
        {%- if loop.first -%}
            {% do run_query(create_table_as(False, stage_relation, batch_sql)) %}
        {%- else -%}
            {% do run_query("insert into " ~ stage_relation ~ " by name " ~ batch_sql) %}
        {%- endif -%}
    {%- endfor -%}

    {% if full %}
        {% call statement('main') -%}
            select {{ n }} as batches
        {%- endcall %}
        {% if existing_relation is not none %}
            {% do adapter.rename_relation(existing_relation, backup_relation) %}
        {% endif %}
        {% do adapter.rename_relation(stage_relation, target_relation) %}
    {% else %}
        {% do run_query(
            "delete from " ~ target_relation ~ " where session_id in (select session_id from " ~ stage_relation
            ~ ") or session_id in (select session_id from main._classchat_pending)"
        ) %}
        {% call statement('main') -%}
            insert into {{ target_relation }} by name select * from {{ stage_relation }}
        {%- endcall %}
    {% endif %}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {% do adapter.drop_relation(stage_relation) %}  {#- created by run_query, so not in dbt's relation cache -#}
    {{ drop_relation_if_exists(backup_relation) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
