{% macro register_lake() -%}
    {#-
        Make the lake's Parquet readable as source('lake', …) on the target's engine (an on-run-start
        hook). DuckDB reads each file where it lies through the source's `external_location`, so
        there is nothing to do. Spark gets one external table per source table, recreated on every
        run so its schema follows the files (a re-landed export may add a column).
    -#}
    {{ return(adapter.dispatch('register_lake', 'classchat')()) }}
{%- endmacro %}

{% macro default__register_lake() -%}
    select 1
{%- endmacro %}

{% macro spark__register_lake() -%}
    {#- The path of each table is the one its source's external_location reads (one place for it). -#}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- do run_query('create database if not exists lake') -%}
    {%- do run_query('create database if not exists ' ~ target.schema) -%}
    {%- for statement in spark_duckdb_functions() -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- for node in graph.sources.values() if node.source_name == 'lake' -%}
        {%- set path = modules.re.search("read_parquet\\('([^']+)'", node.meta.external_location).group(1) -%}
        {%- do run_query('drop table if exists lake.' ~ node.name) -%}
        {%- do run_query(
            "create table lake." ~ node.name ~ " using parquet options (path '" ~ path
            ~ "', recursiveFileLookup 'true', mergeSchema 'true')"
        ) -%}
    {%- endfor -%}
    select 1
{%- endmacro %}

{% macro spark_duckdb_functions() -%}
    {#-
        DuckDB functions the models call that Spark has under another name, defined on Spark as SQL
        functions of the same name and meaning (in the `default` database, which Spark searches for
        unqualified names; Spark inlines them). regexp_matches takes RE2 patterns (DuckDB's) and runs
        them in Java's dialect (spark_regex, macros/cross_engine.sql): the string literals of both engines are read
        without escapes (spark.sql.parser.escapedStringLiterals in profiles.yml).
    -#}
    {{ return([
        "create or replace function default.starts_with(s string, p string) returns boolean return startswith(s, p)",
        "create or replace function default.regexp_matches(s string, p string) returns boolean return regexp_like(s, "
            ~ spark_regex('p') ~ ")",
    ]) }}
{%- endmacro %}
