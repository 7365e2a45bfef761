{#
    The text rules of classchat, in one place. Each macro takes a SQL expression
    and returns a SQL expression; models call them, unit tests in
    models/intermediate/_intermediate.yml pin them with real-looking examples.
    Patterns are RE2 (DuckDB's regex engine): no look-arounds, no back-references.
#}

{% macro fold_whitespace(text) -%}
    trim(regexp_replace({{ text }}, '\s+', ' ', 'g'))
{%- endmacro %}

{% macro name_key(name) -%}
    {#-
        A display name as a person: lower case, spacing folded, without the
        device Zoom appends (" (Laptop)", "(iPhone)", "的 iPad") and without a
        role tag in front ("[TA] ", "[Host] ").
    -#}
    {{ fold_whitespace(
        "regexp_replace(regexp_replace(lower(" ~ name ~ "), "
        ~ "'^\\s*\\[[^\\]]*\\]\\s*', ''), "
        ~ "'\\s*(\\((laptop|desktop|pc|mac|macbook|iphone|ipad|android|phone|mobile|tablet)\\)|的\\s*(iphone|ipad|android))\\s*$', '')"
    ) }}
{%- endmacro %}

{% macro strip_urls(text) -%}
    regexp_replace({{ text }}, '(https?://|www\.)\S+', ' ', 'g')
{%- endmacro %}

{% macro has_link(text) -%}
    regexp_matches({{ text }}, '(https?://|www\.)\S+')
{%- endmacro %}

{% macro is_question(body) -%}
    {#-
        A message asks something when, after URLs are removed (a URL's '?' is
        not a question), it
          - holds '?' or '？', or
          - ends with a Chinese sentence-final particle (吗 么 呢 嘛) or tag (是吧 对吧),
            or has 吗 before a comma ("可以换成relu吗，代码…"), or
          - holds a Chinese question word or A-not-A form (为什么 为啥 怎么 咋 如何
            什么 啥 哪 谁 是否 是不是 能不能 可不可以 有没有 会不会 要不要 对不对), except
            in the fixed non-questions 没什么 不怎么 怎么办都行 什么的 那么 这么 多么, or
          - opens with an English question word or an inverted auxiliary
            ("what", "how", "is it", "can we", "does this" ...) -- but not a
            question word before a subject ("when I try...", "what I mean...")
            -- or asks inside a sentence ("... can you see my folder",
            "did anyone ...", "anyone know ..."), or
          - opens with a Russian question word (как почему зачем что где когда можно ли).
        Thanks, "1", "ok" and other acknowledgements have none of these.
    -#}
    (
        regexp_matches({{ strip_urls(body) }}, '[?？]')
        or regexp_matches(trim({{ strip_urls(body) }}), '(吗|么|呢|嘛|是吧|对吧)[。.!！~～ ]*$')
        or regexp_matches({{ strip_urls(body) }}, '吗[，,；;]')
        or regexp_matches(
            regexp_replace({{ strip_urls(body) }}, '没什么|不怎么|什么的|那么|这么|多么|怎么办都行', '', 'g'),
            '为什么|为啥|怎么|咋|如何|什么|啥|哪|谁|是否|是不是|能不能|可不可以|有没有|会不会|要不要|对不对'
        )
        or (
            regexp_matches(
                lower(trim({{ body }})),
                '^(what|why|how|when|where|which|who|whom|whose|can|could|should|would|will|shall|may|might|is|are|was|were|am|do|does|did|have|has|had|isn''t|aren''t|doesn''t|don''t|didn''t|can''t|won''t|wouldn''t|couldn''t|shouldn''t)\s'
            )
            and not regexp_matches(
                lower(trim({{ body }})),
                '^(what|how|when|where|why|which|who) (i|i''m|im|we|you|they|he|she|it|this|that)\s'
            )
        )
        or regexp_matches(
            lower({{ body }}),
            '\b(can|could|would) you (please )?(see|hear|share|explain|repeat|post|send|check|show)\b|\b(does|did|do) (anyone|anybody|everyone|someone)\b|\banyone knows?\b'
        )
        or regexp_matches(
            lower(trim({{ strip_urls(body) }})),
            '^(как|почему|зачем|что|где|когда|куда|откуда|сколько|какой|какая|какие|можно ли)\s'
        )
    )
{%- endmacro %}

{% macro is_roll_call(body) -%}
    {#- A short reply to a presence check: "1", "111", "有", "没", "在", "here", "present". -#}
    regexp_matches(
        lower(trim({{ body }})),
        '^(1+|2|有|没|没有|在|在的|我在|到|here|present|yes|yep|no|да|нет|тут|здесь)[.!！。~～]*$'
    )
{%- endmacro %}

{% macro is_tech_issue(body) -%}
    {#- Trouble with sound, picture, sharing or the connection, in Chinese, English or Russian. -#}
    regexp_matches(
        lower({{ body }}),
        '听不到|听不见|听不清|没声音|没有声音|声音(小|断|卡)|杂音|回音|有人说话|卡了|卡住|卡顿|好卡|很卡|有点卡|又卡|静音|静下音|闭麦|关麦|关下麦|黑屏|花屏|掉线|断线|断了|看不到|看不见|看不清|屏幕(没|不)'
        || '|can''?t hear|cannot hear|can not hear|could ?n''?t hear|no sound|no audio|audio (is )?(bad|off|cut)|frozen|freez|\blag|laggy'
        || '|(you''?re|you are|is) (on )?mute|unmute|can''?t see|cannot see|screen (is )?(not|isn''?t) (showing|shared|visible)|black screen|mic (is )?(not|isn''?t) working|mic doesn''?t work|disconnected|dropped out|lost connection|connection (is )?(bad|poor|unstable)'
        || '|не слышно|не видно|звук|лагает|зависл'
    )
{%- endmacro %}

{% macro is_continue_request(body) -%}
    {#- The class asks the teacher to go on: a short message with 继续, "go on", "please continue". -#}
    (
        length(trim({{ body }})) <= 16
        and regexp_matches(lower({{ body }}), '继续|go on|continue|carry on|keep going|продолжайте')
    )
{%- endmacro %}

{% macro is_acknowledgement(body) -%}
    {#- Thanks and short agreement: "thanks", "ok", "got it", "谢谢老师", "明白了", "懂了", "好的". -#}
    (
        length(trim({{ body }})) <= 24
        and regexp_matches(
            lower(trim({{ body }})),
            '^(谢谢|謝謝|感谢|感謝|多谢|明白|懂了|我懂了|知道了|了解|好的|好滴|好吧|好叻|好嘞|好$|嗯|哦|噢|收到|спасибо|понятно|ясно|ок$)'
            || '|^(ok|okay|k|kk|thanks|thank you|thx|ty|got it|i see|understood|makes sense|cool|great|nice)([^a-z]|$)'
        )
        and not {{ is_question(body) }}
    )
{%- endmacro %}

{% macro base_intent(body, kind) -%}
    {#-
        What a message is, before questions are matched to answers (the marts
        turn `other`/`link` into `answer` where a message answers a question).
        First rule that holds wins: system and reaction messages are `other`;
        tech_issue; roll_call; question; continue_request; acknowledgement;
        link (the message is little more than a URL); other.
    -#}
    case
        when {{ kind }} in ('system', 'reaction') then 'other'
        when {{ is_tech_issue(body) }} then 'tech_issue'
        when {{ is_roll_call(body) }} then 'roll_call'
        when {{ is_question(body) }} then 'question'
        when {{ is_continue_request(body) }} then 'continue_request'
        when {{ is_acknowledgement(body) }} then 'acknowledgement'
        when {{ has_link(body) }} and length(trim({{ strip_urls(body) }})) <= 12 then 'link'
        else 'other'
    end
{%- endmacro %}

{% macro language(body) -%}
    {#- The message's script: zh (Han characters), ru (Cyrillic), en (Latin letters), else und. -#}
    case
        when regexp_matches({{ body }}, '\p{Han}') then 'zh'
        when regexp_matches({{ body }}, '\p{Cyrillic}') then 'ru'
        when regexp_matches({{ body }}, '[A-Za-z]') then 'en'
        else 'und'
    end
{%- endmacro %}

{% macro mentions(body) -%}
    {#- The @names in a message (up to the next space or punctuation). -#}
    regexp_extract_all({{ body }}, '@([^\s@,:，：。!?！？]+)', 1)
{%- endmacro %}

{% macro is_filler(body) -%}
    {#- A message with nothing to say on its own: a particle, laughter, dots ("吧", "哈哈", "hhh", "..."). -#}
    regexp_matches(lower(trim({{ body }})), '^(吧|啊|呀|哈+|h+|嗯+|哦+|噢+|额+|呃+|lol|haha+|[.。…~～!！?？]+)$')
{%- endmacro %}
