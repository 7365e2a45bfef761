{#
    The text rules of classchat, in one place. Each macro takes a SQL expression
    and returns a SQL expression; models call them, unit tests pin them.
#}

{% macro name_key(name) -%}
    {#- A display name compared case- and spacing-insensitively. -#}
    lower(trim(regexp_replace({{ name }}, '\s+', ' ', 'g')))
{%- endmacro %}

{% macro strip_urls(text) -%}
    regexp_replace({{ text }}, 'https?://\S+', ' ', 'g')
{%- endmacro %}

{% macro is_question(body) -%}
    {#-
        First rule (refined by the analytics work): after removing URLs (a URL's
        '?' is not a question), a message is a question when it holds '?' or
        '？', ends with a Chinese question particle (吗 呢 么), holds a Chinese
        question word that is rarely anything else (为什么 为啥 怎么 如何 是否),
        or opens with an English question word or an inverted auxiliary.
    -#}
    (
        regexp_matches({{ strip_urls(body) }}, '[?？]')
        or regexp_matches(trim({{ strip_urls(body) }}), '(吗|呢|么)[。.!！~～]*$')
        or regexp_matches({{ strip_urls(body) }}, '为什么|为啥|怎么|如何|是否')
        or regexp_matches(
            lower(trim({{ strip_urls(body) }})),
            '^(what|why|how|when|where|which|who|whom|whose|can|could|should|would|will|is|are|does|do|did)\s'
        )
    )
{%- endmacro %}

{% macro fold_whitespace(text) -%}
    trim(regexp_replace({{ text }}, '\s+', ' ', 'g'))
{%- endmacro %}
