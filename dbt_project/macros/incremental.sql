{% macro only_new_sessions(column='landed_at', keyword='where') -%}
    {#-
        On an incremental run, keep only rows of sessions landed after the newest
        session this model already holds (landing times carry microseconds, so
        two runs never share one). A re-landed session replaces its old rows
        (delete+insert by session_id). On a full build, keep everything.
    -#}
    {%- if is_incremental() -%}
        {{ keyword }} {{ column }} > (select coalesce(max(landed_at), timestamp '1900-01-01') from {{ this }})
    {%- endif -%}
{%- endmacro %}
