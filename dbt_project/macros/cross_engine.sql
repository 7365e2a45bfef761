{#-
    The few expressions whose spelling differs between DuckDB and Spark SQL, one macro each
    (adapter.dispatch: default__ is DuckDB's, spark__ Spark's). Models and the other macros call
    these instead of an engine's own function; docs/scaling.md lists what is left to move.
-#}

{% macro explode_list(list) -%}
    {#- In a select list: one row per element of `list`. -#}
    {{ return(adapter.dispatch('explode_list', 'classchat')(list)) }}
{%- endmacro %}
{% macro default__explode_list(list) -%} unnest({{ list }}) {%- endmacro %}
{% macro spark__explode_list(list) -%} explode({{ list }}) {%- endmacro %}

{% macro sum_of_sizes(list, field) -%}
    {#- The sum, over the structs of `list`, of the length of their list `field` (null for an empty or null list). -#}
    {{ return(adapter.dispatch('sum_of_sizes', 'classchat')(list, field)) }}
{%- endmacro %}
{% macro default__sum_of_sizes(list, field) -%}
    list_sum(list_transform({{ list }}, lambda r: len(r.{{ field }})))
{%- endmacro %}
{% macro spark__sum_of_sizes(list, field) -%}
    nullif(aggregate(transform({{ list }}, r -> size(r.{{ field }})), 0, (a, b) -> a + b), 0)
{%- endmacro %}

{% macro list_map(list, var, expr) -%}
    {#- `expr` (in the variable `var`) of each element of `list`. -#}
    {{ return(adapter.dispatch('list_map', 'classchat')(list, var, expr)) }}
{%- endmacro %}
{% macro default__list_map(list, var, expr) -%} list_transform({{ list }}, lambda {{ var }}: {{ expr }}) {%- endmacro %}
{% macro spark__list_map(list, var, expr) -%} transform({{ list }}, {{ var }} -> {{ expr }}) {%- endmacro %}

{% macro list_where(list, var, expr) -%}
    {#- The elements of `list` for which `expr` (in the variable `var`) holds, in their order. -#}
    {{ return(adapter.dispatch('list_where', 'classchat')(list, var, expr)) }}
{%- endmacro %}
{% macro default__list_where(list, var, expr) -%} list_filter({{ list }}, lambda {{ var }}: {{ expr }}) {%- endmacro %}
{% macro spark__list_where(list, var, expr) -%} filter({{ list }}, {{ var }} -> {{ expr }}) {%- endmacro %}

{% macro list_of(items) -%}
    {#- A list literal of the comma-separated SQL expressions `items`. -#}
    {{ return(adapter.dispatch('list_of', 'classchat')(items)) }}
{%- endmacro %}
{% macro default__list_of(items) -%} [{{ items }}] {%- endmacro %}
{% macro spark__list_of(items) -%} array({{ items }}) {%- endmacro %}

{% macro struct_of(fields) -%}
    {#- A struct of the named SQL expressions `fields` (a mapping: field name -> expression). -#}
    {{ return(adapter.dispatch('struct_of', 'classchat')(fields)) }}
{%- endmacro %}
{% macro default__struct_of(fields) -%}
    struct_pack({% for name, expr in fields.items() %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
{% macro spark__struct_of(fields) -%}
    named_struct({% for name, expr in fields.items() %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro concat_lists(first, second) -%}
    {{ return(adapter.dispatch('concat_lists', 'classchat')(first, second)) }}
{%- endmacro %}
{% macro default__concat_lists(first, second) -%} list_concat({{ first }}, {{ second }}) {%- endmacro %}
{% macro spark__concat_lists(first, second) -%} concat({{ first }}, {{ second }}) {%- endmacro %}

{% macro int_range(start, stop) -%}
    {#- The integers from `start` up to, not including, `stop` (empty when stop <= start). -#}
    {{ return(adapter.dispatch('int_range', 'classchat')(start, stop)) }}
{%- endmacro %}
{% macro default__int_range(start, stop) -%} range({{ start }}, {{ stop }}) {%- endmacro %}
{% macro spark__int_range(start, stop) -%}
    filter(sequence({{ start }}, greatest({{ start }}, {{ stop }})), i -> i < {{ stop }})
{%- endmacro %}

{% macro re_replace_all(text, pattern, replacement) -%}
    {#- Every match of `pattern` (a SQL string literal) in `text` replaced; back-references as re_group(n). -#}
    {{ return(adapter.dispatch('re_replace_all', 'classchat')(text, pattern, replacement)) }}
{%- endmacro %}
{% macro default__re_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__re_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ spark_regex(pattern) }}, {{ replacement }})
{%- endmacro %}

{% macro re_group(n) -%}
    {#- Inside a replacement literal: the text of the pattern's group n. -#}
    {{ return(adapter.dispatch('re_group', 'classchat')(n)) }}
{%- endmacro %}
{% macro default__re_group(n) -%} \{{ n }} {%- endmacro %}
{% macro spark__re_group(n) -%} ${{ n }} {%- endmacro %}

{% macro re_extract_all(text, pattern, group=0) -%}
    {#- Every match of `pattern` in `text` (or of its group `group`), as a list. -#}
    {{ return(adapter.dispatch('re_extract_all', 'classchat')(text, pattern, group)) }}
{%- endmacro %}
{% macro default__re_extract_all(text, pattern, group) -%}
    regexp_extract_all({{ text }}, {{ pattern }}, {{ group }})
{%- endmacro %}
{% macro spark__re_extract_all(text, pattern, group) -%}
    regexp_extract_all({{ text }}, {{ spark_regex(pattern) }}, {{ group }})
{%- endmacro %}

{% macro spark_regex(pattern) -%}
    {#-
        SQL for an RE2 pattern (DuckDB's) in Java's dialect (Spark's): scripts are \p{IsHan} and
        \p{IsCyrillic}, and \b is an ASCII word boundary, as in RE2 (Java 17's \b also counts Han
        and Cyrillic letters as word characters, so "你why" would hold no boundary before "why").
    -#}
    replace(replace(replace({{ pattern }}, '\p{Han}', '\p{IsHan}'), '\p{Cyrillic}', '\p{IsCyrillic}'),
        '\b', '(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))')
{%- endmacro %}

{% macro all_columns_but(columns, relation=none) -%}
    {#- In a select list: every column (of `relation`, if given) except the comma-separated `columns`. -#}
    {{ return(adapter.dispatch('all_columns_but', 'classchat')(columns, relation)) }}
{%- endmacro %}
{% macro default__all_columns_but(columns, relation) -%}
    {{ relation ~ '.' if relation else '' }}* exclude ({{ columns }})
{%- endmacro %}
{% macro spark__all_columns_but(columns, relation) -%}
    {{ relation ~ '.' if relation else '' }}* except ({{ columns }})
{%- endmacro %}

{% macro list_agg(expr, order_by=none) -%}
    {#- Aggregate: the values of `expr` as a list (nulls left out), in the order of `order_by` if given. -#}
    {{ return(adapter.dispatch('list_agg', 'classchat')(expr, order_by)) }}
{%- endmacro %}
{% macro default__list_agg(expr, order_by) -%}
    list({{ expr }}{{ ' order by ' ~ order_by if order_by else '' }}) filter (where {{ expr }} is not null)
{%- endmacro %}
{% macro spark__list_agg(expr, order_by) -%}
    {%- if order_by -%}
        transform(array_sort(collect_list(named_struct('o', {{ order_by }}, 'v', {{ expr }}))), s -> s.v)
    {%- else -%}
        collect_list({{ expr }})
    {%- endif -%}
{%- endmacro %}

{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'classchat')(list)) }}
{%- endmacro %}
{% macro default__list_length(list) -%} len({{ list }}) {%- endmacro %}
{% macro spark__list_length(list) -%} size({{ list }}) {%- endmacro %}

{% macro minutes(n) -%}
    {#- An interval of `n` minutes (`n` an integer expression). -#}
    {{ return(adapter.dispatch('minutes', 'classchat')(n)) }}
{%- endmacro %}
{% macro default__minutes(n) -%} to_minutes(cast({{ n }} as bigint)) {%- endmacro %}
{% macro spark__minutes(n) -%} make_dt_interval(0, 0, {{ n }}, 0) {%- endmacro %}

{% macro seconds_between(start, stop) -%}
    {#- Whole seconds from `start` to `stop` (timestamps). -#}
    {{ return(adapter.dispatch('seconds_between', 'classchat')(start, stop)) }}
{%- endmacro %}
{% macro default__seconds_between(start, stop) -%} date_diff('second', {{ start }}, {{ stop }}) {%- endmacro %}
{% macro spark__seconds_between(start, stop) -%} timestampdiff(SECOND, {{ start }}, {{ stop }}) {%- endmacro %}

{% macro join_integers(alias, column, start, stop) -%}
    {#- In a from clause, after the last join: each row once for each integer `column` from `start` up to, not including, `stop`. -#}
    {{ return(adapter.dispatch('join_integers', 'classchat')(alias, column, start, stop)) }}
{%- endmacro %}
{% macro default__join_integers(alias, column, start, stop) -%}
    cross join unnest(range({{ start }}, {{ stop }})) as {{ alias }} ({{ column }})
{%- endmacro %}
{% macro spark__join_integers(alias, column, start, stop) -%}
    lateral view explode(sequence({{ start }}, {{ stop }} - 1)) {{ alias }} as {{ column }}
{%- endmacro %}

{% macro top_row(query, partition_by, order_by, drop=none) -%}
    {#-
        The first row of each group of `query` (a select), by `order_by`, without the helper
        columns `drop` (comma-separated): DuckDB's qualify, which Spark has not.
    -#}
    select {{ all_columns_but('_row_in_group' ~ (', ' ~ drop if drop else '')) }} from (
        select *, row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as _row_in_group
        from ({{ query }}) as _grouped
    ) as _ranked
    where _row_in_group = 1
{%- endmacro %}

{% macro minute_series(first, last) -%}
    {#- The minutes from `first` to `last` (timestamps on a minute), both included, as a list. -#}
    {{ return(adapter.dispatch('minute_series', 'classchat')(first, last)) }}
{%- endmacro %}
{% macro default__minute_series(first, last) -%} generate_series({{ first }}, {{ last }}, interval 1 minute) {%- endmacro %}
{% macro spark__minute_series(first, last) -%} sequence({{ first }}, {{ last }}, interval 1 minute) {%- endmacro %}
