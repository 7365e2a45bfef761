{#
    Figures defined once for every mart that shows them (and, through the marts'
    columns, for the report, the export and the named queries).
#}

{% macro answered_share(n_questions, n_unanswered_questions) -%}
    {#- The share of questions answered in the chat; null when there was no question. -#}
    case
        when {{ n_questions }} = 0 then null
        else 1 - {{ n_unanswered_questions }} / {{ n_questions }}
    end
{%- endmacro %}
