-- Only data files that the committed manifest names are read: a crashed ingest's
-- leftovers and superseded versions of a re-exported session are invisible here.
with messages as (

    select * from {{ source('lake', 'messages') }}

),

files as (

    select * from {{ ref('stg_lake__files') }}
    where status = 'landed'

),

current_messages as (

    select
        messages.*,
        files.ingested_at as landed_at
    from messages
    inner join files
        on messages.source_file = files.source_file
        and messages.file_sha256 = files.sha256

),

renamed as (

    select
        left(md5(session_id || '#' || cast(seq as string)), 16) as message_id,
        session_id,
        course_id,
        cast(seq as integer) as seq,
        sent_at,
        sender_name,
        sender_role,
        role_tag,
        recipient,
        is_private,
        message_kind,
        body,
        reply_to_text,
        reaction_emoji,
        reaction_target,
        is_reaction_removal,
        collected_reactions,
        coalesce({{ sum_of_sizes('collected_reactions', 'reactors') }}, 0)::integer as n_collected_reactions,
        source_file,
        cast(source_line as integer) as source_line,
        cast(n_lines as integer) as n_source_lines,
        landed_at
    from current_messages

)

select * from renamed
