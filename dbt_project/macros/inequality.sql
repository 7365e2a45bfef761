{% macro participation_inequality(relation, group_col) -%}
    {#-
        Per group: the Gini coefficient of people's message counts (0 everyone equal,
        near 1 one person talks) and the share of messages by the most active tenth
        of people (at least one). `relation` has columns group_col, user_id, n_messages.
    -#}
    select
        {{ group_col }},
        (2 * sum(rank_up * n_messages)) / (max(n_people) * max(total))
            - (max(n_people) + 1) / max(n_people) as participation_gini,
        sum(n_messages) filter (where rank_down <= ceil(n_people / 10)) / max(total) as top10_share
    from (
        select
            *,
            row_number() over (partition by {{ group_col }} order by n_messages, user_id) as rank_up,
            row_number() over (partition by {{ group_col }} order by n_messages desc, user_id) as rank_down,
            count(*) over (partition by {{ group_col }}) as n_people,
            sum(n_messages) over (partition by {{ group_col }}) as total
        from {{ relation }}
    )
    group by {{ group_col }}
{%- endmacro %}
