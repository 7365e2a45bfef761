{#
    The text rules of classchat, in one place. Each macro takes a SQL expression
    and returns a SQL expression; models call them, unit tests in
    models/intermediate/_intermediate.yml pin them with real-looking examples.
    Patterns are RE2 (DuckDB's regex engine): no look-arounds, no back-references; an
    apostrophe is written \x27 (Spark reads '' as two literals). What is spelt differently on
    Spark goes through macros/cross_engine.sql (and regexp_matches through macros/lake.sql).
#}

{% macro fold_whitespace(text) -%}
    trim({{ re_replace_all(text, "'\\s+'", "' '") }})
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

{% macro first_name_key(key) -%}
    {#-
        The first name in a name key, by which an answer may address its writer ("Ed, …",
        "@ed"): the first word after a title ("dr. priya nair" -> priya; dr prof professor mr mrs
        ms mx miss), when a word follows it and it has at least two characters; else null.
    -#}
    {%- set untitled = "regexp_replace(" ~ key ~ ", '^(dr|prof|professor|mr|mrs|ms|mx|miss)\.?\s+', '')" -%}
    case
        when contains({{ untitled }}, ' ') and length(split_part({{ untitled }}, ' ', 1)) >= 2
            then split_part({{ untitled }}, ' ', 1)
    end
{%- endmacro %}

{% macro strip_urls(text) -%}
    {{ re_replace_all(text, "'(https?://|www\\.)\\S+'", "' '") }}
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
            in the fixed non-questions 没什么 不怎么 怎么办都行 什么的 那么 这么 多么, a question
            word that the writer says they now know ("我明白为什么要归一化了", "我知道怎么做";
            not after 不/没/想: "我不知道为什么" and "我想知道为什么" still ask), and a question
            word that means "any" because 都 follows it within six characters or 也 right after it
            ("什么模型都可以", "谁也没说"; not 为什么/为啥: "为什么都是0" asks), or
          - opens with an inverted auxiliary ("is it", "can we", "does this" ...) or
            with an English question word followed, within two words, by an auxiliary
            ("why does", "what time does", "how to") -- so "how likely a result this
            extreme is" (an answer) is not a question -- but not a question word before
            a subject ("when I try...", "what I mean...")
            -- or a later sentence or a clause after a colon opens so ("There are 3 op-amps in the
            kit. what are the main differences") -- or asks inside a sentence ("... can you see my folder",
            "did anyone ...", "anyone know ..."), or
          - opens by wondering ("I was wondering if the slides will be shared", "Hi all, I wonder
            why ...", "curious whether ..."; within its first sentence's first 30 characters: a long
            remark that ends "… I wonder if there's a way" muses, and "no wonder" does not ask), or
          - asks for an idea or a chance ("any idea how to ...", "any ideas why", "any chance we
            get the code"), or
          - says it is a question ("Q: …", "Question for the panel: how …", "Quick question - …",
            "问题：…", "Вопрос: …"), or
          - opens with a Russian question word (как почему зачем что где когда можно ли) or
            asks "can you" (можете, можешь, (не) могли бы: "А можете прислать условия?" without
            '?'), also after а/и/ну ("А где ссылка"), or holds почему / зачем anywhere, or
          - says the writer does not understand, which asks for an explanation: 不懂 没懂 不理解
            "I don't understand" "I'm lost" не понимаю непонятно (не понятно, непонятен; not "мне понятно") объясните.
        Thanks, "1", "ok" and other acknowledgements have none of these.
    -#}
    (
        (
            regexp_matches({{ strip_urls(body) }}, '[?？]')
            -- not when a longer statement follows the last '?' ("You meant import? It could be a library
            -- that is part of the firmware ...": a clarification, then an answer or a remark)
            and not (
                length(trim(regexp_extract({{ strip_urls(body) }}, '[?？]([^?？]*)$', 1))) >= {{ var('question_tail_min_chars') }}
                and length(trim(regexp_extract({{ strip_urls(body) }}, '[?？]([^?？]*)$', 1)))
                    > length({{ strip_urls(body) }}) - length(regexp_extract({{ strip_urls(body) }}, '[?？]([^?？]*)$', 1))
            )
        )
        or regexp_matches(trim({{ strip_urls(body) }}), '(吗|么|呢|嘛|是吧|对吧)[。.!！~～ ]*$')
        or regexp_matches({{ strip_urls(body) }}, '吗[，,；;]')
        or regexp_matches(
            {{ re_replace_all(
                strip_urls(body),
                "'没什么|不怎么|什么的|那么|这么|多么|怎么办都行"
                ~ "|我们?(能|已经|终于|现在|也|就|才)?(知道|理解|明白|懂得?|清楚)了?(为什么|为啥|怎么|什么|啥|哪|谁)"
                ~ "|(^|[^为])(什么|啥|谁|哪)([^，,。.!！?？]{0,6}都|也)'",
                "''"
            ) }},
            '为什么|为啥|怎么|咋|如何|什么|啥|哪|谁|是否|是不是|能不能|可不可以|有没有|会不会|要不要|对不对'
        )
        or (
            regexp_matches(
                lower(trim({{ body }})),
                '^(can|could|should|would|will|shall|may|might|is|are|was|were|am|do|does|did|have|has|had|isn\x27t|aren\x27t|doesn\x27t|don\x27t|didn\x27t|can\x27t|won\x27t|wouldn\x27t|couldn\x27t|shouldn\x27t)\s'
                || '|^(what|why|how|when|where|which|who|whom|whose)\s+(\S+\s+)?(is|are|was|were|am|do|does|did|can|could|should|would|will|to|has|have|had|many|much|about|if|isn\x27t|aren\x27t|doesn\x27t|don\x27t|didn\x27t|can\x27t|won\x27t)\b'
            )
            and not regexp_matches(
                lower(trim({{ body }})),
                '^(what|how|when|where|why|which|who) (i|i\x27m|im|we|you|they|he|she|it|this|that)\s'
            )
        )
        -- a later sentence that opens with a question word and an auxiliary ("There are 3 op-amps in
        -- the inventory. what are the main differences"), but not before a subject ("… . What I mean is")
        or (
            regexp_matches(lower({{ body }}), '[.!;:。！；：]\s+(what|why|how|where|which|who)\s+(is|are|was|were|do|does|did|can|could|should|would|will)\s')
            and not regexp_matches(lower({{ body }}), '[.!;:。！；：]\s+(what|how|when|where|why|which|who) (i|i\x27m|im|we|you|they|he|she|it|this|that)\s')
        )
        or regexp_matches(
            lower({{ body }}),
            '\b(can|could|would) you (please )?(see|hear|share|explain|repeat|post|send|check|show)\b|\b(does|did|do) (anyone|anybody|everyone|someone)\b|\banyone knows?\b'
            || '|\bany ideas? (how|why|what|where|when|which|who|if|whether|on)\b|\bany chance (we|i|you|the|that|to)\b'
        )
        -- a message labelled as a question ("Q: …", "Question for the panel: …", "Quick question - …", "问题：…", "Вопрос: …")
        or regexp_matches(
            lower(trim({{ body }})),
            '^((quick|one|a|another|follow[- ]up) )?(q|qn|question)( for [^:：]{1,40})?(\s*[:：]|\s+[-–]\s)|^(问题|提问|请教)[:：]|^вопрос(\s*:|\s+[-–]\s)'
        )
        or (
            regexp_matches(
                lower(trim({{ body }})),
                '^([^.!?;]{0,30}[\s,])?(wonder(ing)?|curious( to know)?) (if|whether|why|how|what|when|where|which|who)\b'
            )
            and not regexp_matches(lower({{ body }}), '\bno wonder\b')
        )
        or regexp_matches(
            lower(trim({{ strip_urls(body) }})),
            '^((а|и|ну)\s+)?(как|почему|зачем|что|где|когда|куда|откуда|сколько|какой|какая|какие|можно ли|можете|можешь|могли бы|не могли бы)\s'
        )
        or regexp_matches(lower({{ body }}), '(^|[^\p{L}-])(почему|зачем)([^\p{L}-]|$)')
        or regexp_matches(lower({{ body }}), 'не\s?понимаю|(^|[^а-яё])не\s?понятн|непонятен|не\s?понял|объясните|不懂|不明白|没懂|没听懂|不太理解|不理解|\bi (don\x27t|do not) (understand|get)\b|\bi\x27m (confused|lost)\b|\bi am (confused|lost)\b')
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
        '听不到|听不见|听不清|没声音|没有声音|声音.{0,3}(小|断|卡)|网络.{0,3}(卡|慢|不好)|网速|杂音|回音|有人说话|卡了|卡住|卡顿|好卡|很卡|有点卡|又卡|静音|静下音|闭麦|关麦|关下麦|黑屏|花屏|掉线|断线|断了|看不到|看不见|看不清|屏幕(没|不)'
        || '|can\x27?t hear|cannot hear|can not hear|could ?n\x27?t hear|no sound|no audio|audio (is )?(bad|off|cut)|frozen|freez|\blag|laggy|(internet|wifi|wi-fi|network|connection) (is )?(so |very |really )?(slow|down|bad)'
        || '|(you\x27?re|you are|is) (on )?mute|unmute|can\x27?t see|cannot see|screen (is )?(not|isn\x27?t) (showing|shared|visible)|black screen|mic (is )?(not|isn\x27?t) working|mic doesn\x27?t work|disconnected|dropped out|lost connection|connection (is )?(bad|poor|unstable)'
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

{#
    Answer evidence (models/intermediate/int_questions_answered.sql, docs/answers.md).
    General cue words of both languages live here and nowhere else; nothing here
    names a course, a person or one chat's vocabulary.
#}

{% macro answer_stop_words() -%}
    {#- English words that say nothing about a topic: function words, question words, auxiliaries, chat fillers. -#}
    {%- set words -%}
    'the','and','but','for','nor','yet','with','from','into','onto','about','over','under','than','then','that',
     'this','these','those','there','here','what','why','how','when','where','which','who','whom','whose','is','are',
     'was','were','be','been','being','am','do','does','did','doing','done','have','has','had','can','could','should',
     'would','will','shall','may','might','must','not','no','yes','yeah','yep','you','your','yours','we','our','us',
     'they','them','their','he','him','his','she','her','it','its','me','my','mine','an','as','at','by','if','in',
     'of','on','or','so','to','up','too','also','just','only','any','some','all','more','most','other','such','very',
     'really','get','got','go','going','make','made','one','like','well','please','thanks','thank','ok','okay',
     'hi','hello','im','ive','youre','dont','doesnt','isnt','cant','wont','didnt','thats','it' || chr(39) || 's','i' || chr(39) || 'm','don' || chr(39) || 't',
     'anyone','someone','everyone','anybody','everybody','question','questions','right','sure','good','great',
     'now','still','again','know','think','mean','see','need','want','way','thing','things','lot','bit','much','many',
     'because','since','maybe','actually','though'
    {%- endset -%}
    {{ list_of(words) }}
{%- endmacro %}

{% macro content_terms(body) -%}
    {#-
        The content terms of a message, as a sorted list without duplicates, for the
        shared-terms signal. Language-independent, with no dictionary:
          - Latin words of two or more letters (tanh, relu, l2, fork), lower case, minus
            answer_stop_words(), without a plural s and cut to their first five letters as a
            crude stem (dictionary/dictionaries, order/ordered, list/lists); numbers (9, 3.7);
          - for Han text, character bigrams of the runs left after removing function
            characters (的 了 是 吗 我 这 什么 ...): 卷积核 -> 卷积, 积核.
        URLs are removed first. Only the first content_terms_max_chars characters are read
        (dbt var): a pasted log of a megabyte in one message must not stall the build (an
        earlier bigram pass cost the square of the length), and an answer's terms are in its opening.
    -#}
    {%- set body = "left(" ~ body ~ ", " ~ var('content_terms_max_chars') ~ ")" -%}
    {%- set words = re_extract_all('lower(' ~ strip_urls(body) ~ ')', "'[a-z][a-z0-9+#_\\x27\\-]*[a-z0-9+#]|[0-9]+(\\.[0-9]+)?'") -%}
    {#- the bigrams of each run of two or more Han characters (the text is cleaned once per message) -#}
    {%- set runs = re_extract_all(re_replace_all(body, han_function_chars(), "' '"), "'\\p{Han}{2,}'") -%}
    array_sort(array_distinct({{ concat_lists(
        list_map(
            list_where(words, 'w', 'not array_contains(' ~ answer_stop_words() ~ ', w)'),
            'w', "left(regexp_replace(w, '([^s])s$', '" ~ re_group(1) ~ "'), 5)"
        ),
        'flatten(' ~ list_map(runs, 'run', list_map(int_range(1, 'length(run)'), 'i', 'substr(run, i, 2)')) ~ ')'
    ) }}))
{%- endmacro %}

{% macro han_function_chars() -%}
    {#- Han characters that say nothing about a topic (particles, pronouns, auxiliaries; the words 老师 同学 请问 可以 一下 什么): removed before Han terms are taken. -#}
    '老师|同学|请问|可以|一下|什么|[一的了是吗呢啊吧么嘛呀哦噢嗯我你他她它们这那个些怎为啥哪谁有没不也都就还在和与或会能要对好哈呃额]'
{%- endmacro %}

{% macro content_chars(body) -%}
    {#-
        The Han content characters of a short message, as a sorted list without duplicates,
        for the echo signal: a terse Chinese answer repeats a character of the question
        rather than a whole bigram ("是学习出来的？" - "学的"). Function characters
        (han_function_chars) are removed first; only the first content_terms_max_chars characters are read.
    -#}
    array_sort(array_distinct({{ re_extract_all(
        re_replace_all('left(' ~ body ~ ', ' ~ var('content_terms_max_chars') ~ ')', han_function_chars(), "''"),
        "'\\p{Han}'"
    ) }}))
{%- endmacro %}

{% macro strip_address(body_lower) -%}
    {#- The message without an opening "@name " or "Name, " / "名字，" (the words an answer starts with). -#}
    trim(regexp_replace({{ body_lower }}, '^\s*(@[^\s@,:，：]+(\s+[^\s@,:，：]+)?\s*[,:，：]?\s*|[^\s,:，：@]{1,20}(\s[^\s,:，：@]{1,20})?\s*[,:，：]\s*)', ''))
{%- endmacro %}

{% macro thanks_for_asking() -%}
    {#- Thanks for the question, with which an answer may open ("Thank you for your question, Priya - …", "谢谢提问"): a greeting, not thanks. A regex piece. -#}
    (thanks|thank you) for (asking|(the|your|this|that|a) (great |good )?question)|好问题|问得好|(谢谢|感谢)(你的|您的)?提问
{%- endmacro %}

{% macro greeting_opener() -%}
    {#- A greeting an answer may open with before naming the asker ("Hi Ed, ...", "Hello Ana - yes", "Thanks for the question, Ana: …", "您好，林芳：..."), as a regex piece without anchors or quotes. -#}
    (hi|hey|hello|dear|good question|great question|{{ thanks_for_asking() }}|你好|您好)[\s,!.，！]+
{%- endmacro %}

{% macro answer_word_opener() -%}
    {#- A yes/no or agreement word an answer may open with before naming the asker ("Yes, Jane - …", "Sure Ed, …", "对，王芳，…"), as a regex piece without anchors or quotes. After it the name must end in a comma, colon, "!" or dash (macro opens_with_name), so "Sure, will do" does not address a Will. -#}
    (yes|yeah|yep|no|nope|sure|right|exactly|correct|indeed|good point|great point|是的|对的|没错|不是|不对|可以|不行|对|是|да|нет|конечно)[\s,!.，！]+
{%- endmacro %}

{% macro question_form(body) -%}
    {#-
        What a question asks for, which decides the answer cues that fit it: why, when,
        quantity, where, how, what (the first whose words it holds), else yesno (a question with
        no question word: "Can we ...?", "下周还有课吗？", "So it starts at 1?"). Russian
        почему/зачем count anywhere; the other Russian question words only where they open
        the question, since что, как and когда are also conjunctions inside yes/no questions.
    -#}
    case
        when regexp_matches(lower({{ body }}), '为什么|为啥|怎么会|何必|\bwhy\b|how come|почему|зачем') then 'why'
        when regexp_matches(lower({{ body }}), '什么时候|何时|几点|几号|哪天|\bwhen\b|what time|what day|^\s*(когда|во сколько)([^а-яё]|$)') then 'when'
        when regexp_matches(lower({{ body }}), '多少|多久|多长|第几|几[^乎]|\bhow (many|much|long|big|often)\b|^\s*сколько([^а-яё]|$)') then 'quantity'
        when regexp_matches(lower({{ body }}), '哪里|哪儿|在哪|\bwhere\b|^\s*(где|куда|откуда)([^а-яё]|$)') then 'where'
        when regexp_matches(lower({{ body }}), '怎么|怎样|如何|\bhow\b|^\s*(как|каким образом)([^а-яё]|$)') then 'how'
        when regexp_matches(lower({{ body }}), '什么|啥|哪|谁|\b(what|which|who|whom|whose)\b|^\s*(что|какой|какая|какое|какие|кто|чей)([^а-яё]|$)') then 'what'
        else 'yesno'
    end
{%- endmacro %}

{% macro answer_cues(body) -%}
    {#-
        The answer cues a message carries (a list of: yesno, hedge (a yes/no answer that hedges:
        "maybe", "probably", "可能", "不一定", "возможно"; unlike yesno it is no mismatch for a why
        question, so "可能是因为…" still answers "为什么…"), because, method, time, place,
        link (a URL), name (one to four capitalised words and nothing else, not a yes/no word:
        "Lisbon", "Toronto, Canada 🇨🇦"; it fits a where-question), number, definition, tech_ok -- "fine for me", "try rejoining", "我这里正常"), read after an opening address ("Ana, yes, ..." -> "yes, ...").
        `yesno` only at the start, so "no idea what you mean" is not a "no".
    -#}
    {%- set opening -%} lower(trim({{ body }})) || chr(10) || {{ strip_address('lower(' ~ body ~ ')') }} {%- endset -%}
    {%- set yes_no -%} '(^|\n)(yes|yeah|yep|yup|no|nope|exactly|correct|sure|of course|definitely|indeed|not really|not quite|that\x27s (right|correct)|是的|是啊|对的|没错|可以|不可以|不能|不是|没有|有的|要的|不会|不用|不要|需要|不需要|当然|一样|不一样|不行|да|нет|конечно)([^a-zа-яё]|$)|(^|\n)(是|对|有|会|能|要|行|嗯)([，,。.!！~～ ]|$)' {%- endset -%}
    {%- set cues -%}
        case when regexp_matches({{ opening }}, {{ yes_no }})
            then 'yesno' end,
        case when regexp_matches({{ opening }},
            '(^|\n)(maybe|perhaps|probably|possibly|sometimes|i think so|i don\x27t think so|i guess so|not always|not sure|可能|也许|大概|应该是|应该不|不一定|有时候|возможно|наверное|иногда|не всегда)([^a-zа-яё]|$)')
            then 'hedge' end,
        case when regexp_matches(lower({{ body }}), '\bbecause\b|\bsince\b|\bdue to\b|that\x27s why|so that|the reason|\bcause\b|因为|由于|所以|为了|原因|导致|否则|不然|потому что|так как|из-за|поэтому|чтобы')
            then 'because' end,
        case when regexp_matches(lower({{ body }}), '\byou (can|could|need|have to|should|just|might)\b|\b(use|try|click|go to|run|type|open|press|set|add|call|install)\b|\bby (using|adding|setting)\b|[a-z_]+\.[a-z_]+\(|用|先|直接|通过|打开|点击|设置|加上|改成|换成|就行|就可以|即可')
            then 'method' end,
        case when regexp_matches(lower({{ body }}), '[0-9]|\b(today|tomorrow|tonight|yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|weekend|morning|afternoon|evening|next|later|soon|am|pm)\b|[点号周]|星期|明天|今天|下周|下次|之后|以后|马上|晚上|上午|下午')
            then 'time' end,
        case when regexp_matches(lower({{ body }}), '^\s*(in|on|at|under|inside|from|via)\b|\b(tab|page|folder|link|site|website|portal|channel|drive|repo|chapter)\b|https?://|^\s*(就|是|都|也|应该|一般|可以)?在|群|网站|链接|文件夹|页|章')
            then 'place' end,
        case when regexp_matches(trim({{ body }}), '^\p{Lu}[\p{L}\x27.-]+([ ,]+\p{Lu}[\p{L}\x27.-]+){0,3}[\s\p{So}\p{Sk}!.]*$')
                and not regexp_matches({{ opening }}, {{ yes_no }})
            then 'name' end,
        case when regexp_matches(lower({{ body }}), 'https?://|www\.')
            then 'link' end,
        case when regexp_matches(lower({{ body }}), '[0-9]|[一二三四五六七八九十两百千万]|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand)\b')
            then 'number' end,
        case when regexp_matches(lower({{ body }}), '就是|是指|指的是|意思是|相当于|等于|叫做|表示|\bmeans\b|refers to|stands for|\bis (a|an|the|when|how)\b|\bare (a|an|the)\b|\bit\x27?s (a|an|the|when|how)\b')
            then 'definition' end,
        case when regexp_matches(lower({{ body }}), '\b(fine|works|working|moving|normal|ok|okay) (for|on|here|to) me\b|(it\x27s|is) (fine|ok|okay|working|moving)|\b(rejoin|re-join|reconnect|refresh|restart|reload)|正常|没卡|不卡|没有卡|能听到|听得到|听得见|能看到|看得到|看得见|重进|重新进|刷新|重启')
            then 'tech_ok' end
    {%- endset -%}
    {{ list_where(list_of(cues), 'c', 'c is not null') }}
{%- endmacro %}

{% macro opens_yes_no(body) -%}
    {#-
        The question opens like a yes/no question ("Did anyone …", "Can we …", "Anyone know …",
        "Есть ли …", or ends in 吗: "有人知道怎么组队吗？"), whatever question word follows: "Did
        anyone find out how to complete the survey?" can be answered "maybe for a moment" as well
        as by a method.
    -#}
    regexp_matches(trim({{ body }}), '[吗嗎][？?。.!！~～ ]*$')
    or regexp_matches({{ strip_address('lower(' ~ body ~ ')') }},
        '^(do|does|did|is|are|was|were|am|can|could|will|would|should|shall|has|have|had|may|might|must|anyone|anybody|someone|somebody)\b|^(есть ли|можно ли|нужно ли|надо ли)([^а-яё]|$)')
{%- endmacro %}

{% macro cue_fits(form, cues, asks_yes_no) -%}
    {#- The question's form and a candidate's answer cues agree (see question_form / answer_cues); a yes/no or hedge fits any question that opens like a yes/no question (opens_yes_no). -#}
    (
        (({{ form }} = 'yesno' or {{ asks_yes_no }}) and (array_contains({{ cues }}, 'yesno') or array_contains({{ cues }}, 'hedge')))
        or ({{ form }} = 'why' and array_contains({{ cues }}, 'because'))
        or ({{ form }} = 'how' and (array_contains({{ cues }}, 'method') or array_contains({{ cues }}, 'because') or array_contains({{ cues }}, 'definition') or array_contains({{ cues }}, 'link')))
        or ({{ form }} = 'when' and array_contains({{ cues }}, 'time'))
        or ({{ form }} = 'where' and (array_contains({{ cues }}, 'place')
            or array_contains({{ cues }}, 'name')))
        or ({{ form }} = 'quantity' and array_contains({{ cues }}, 'number'))
        or ({{ form }} = 'what' and (array_contains({{ cues }}, 'definition') or array_contains({{ cues }}, 'place')))
        or ({{ form }} = 'tech' and (array_contains({{ cues }}, 'tech_ok') or array_contains({{ cues }}, 'yesno')))
    )
{%- endmacro %}

{% macro cue_mismatch(form, cues, asks_yes_no) -%}
    {#- A message opening with yes/no to a question that asks why, how, what, when, where or how many (and does not open like a yes/no question). -#}
    ({{ form }} not in ('yesno', 'tech') and not {{ asks_yes_no }} and array_contains({{ cues }}, 'yesno'))
{%- endmacro %}

{% macro says_same_question(body_lower) -%}
    {#- A question that says it asks the previous question again: "同问", "我也想问", "same question", "me too", "+1". -#}
    regexp_matches(trim({{ body_lower }}), '^(同问|同求|我也想问|我也想知道|我也是|same question|same here|me too|\+1|i have the same question|i was wondering the same)')
{%- endmacro %}

{% macro is_thanks(body) -%}
    {#-
        A message that opens with thanks or praise, however long ("Thanks to both speakers, great
        session!"); not an answer that opens by thanking for the question ("Thanks for asking, Ed:
        yes", thanks_for_asking).
    -#}
    (
        regexp_matches(lower(trim({{ body }})) || chr(10) || {{ strip_address('lower(' ~ body ~ ')') }}, '(^|\n)(thanks|thank you|thx|ty|great (session|talk|class|lecture)|谢谢|謝謝|感谢|感謝|多谢|辛苦)')
        and not regexp_matches(lower(trim({{ body }})), '^({{ thanks_for_asking() }})')
    )
{%- endmacro %}

{#
    Roles (models/intermediate/int_messages_identified.sql, docs/contract.md "Roles").
    The precedence between roles lives here and nowhere else: models aggregate with
    highest_role(), and user_sessions exposes role_rank for the report.
#}

{% macro role_from_tag(tag) -%}
    {#-
        The role an export's own tag gives (role_tag, normalised by ingest/layouts.py ROLE_TAGS).
        Staff: host, instructor, presenter and moderator lead the session -> instructor;
        co-host, ta and panelist help run it -> ta. viewer, student, guest -> student.
        No tag (or an unknown one) -> null, so a name like "Host" is never a role.
    -#}
    case lower(trim({{ tag }}))
        when 'host' then 'instructor'
        when 'instructor' then 'instructor'
        when 'presenter' then 'instructor'
        when 'moderator' then 'instructor'
        when 'co-host' then 'ta'
        when 'ta' then 'ta'
        when 'panelist' then 'ta'
        when 'viewer' then 'student'
        when 'student' then 'student'
        when 'guest' then 'student'
    end
{%- endmacro %}

{% macro role_rank(role) -%}
    {#- The one precedence between roles: system 0, instructor 1, ta 2, student 3, anything else (unknown) 4. -#}
    case {{ role }} when 'system' then 0 when 'instructor' then 1 when 'ta' then 2 when 'student' then 3 else 4 end
{%- endmacro %}

{% macro role_by_rank(rank) -%}
    {#- The role of a rank of role_rank() (null -> unknown). -#}
    case {{ rank }} when 0 then 'system' when 1 then 'instructor' when 2 then 'ta' when 3 then 'student' else 'unknown' end
{%- endmacro %}

{% macro highest_role(role) -%}
    {#- Aggregate: the highest of the roles by role_rank() (instructor > ta > student > unknown). -#}
    {{ role_by_rank('min(' ~ role_rank(role) ~ ')') }}
{%- endmacro %}
