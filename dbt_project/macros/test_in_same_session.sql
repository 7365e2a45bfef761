{% test in_same_session(model, column_name) %}
{#-
    Rows whose `column_name` (a message id: the answer, the question answered, the message replied or
    reacted to) names no message of their own session in the same model. Stronger than dbt's
    `relationships` to the model itself, and cheaper on an incremental build: dbt's `where` scope
    (rows landed since the run's new data) applies to both sides, and a session's messages all land
    with its export, so the test reads the new sessions only, never every message of the warehouse.
-#}
with referring as (

    select session_id, {{ column_name }} as referenced_id
    from {{ model }}
    where {{ column_name }} is not null

),

referenced as (

    select session_id, message_id
    from {{ model }}

)

select referring.*
from referring
left join referenced
    on referring.session_id = referenced.session_id
    and referring.referenced_id = referenced.message_id
where referenced.message_id is null
{% endtest %}
