"""Rewriting a table's values for the pseudonymous twin, column by column, in Arrow batches.

Owns which columns are names, person ids, mentions, codes or hashed text
(`NAME_COLUMNS`, `ID_COLUMNS`, `MENTION_COLUMNS`, `CODE_COLUMNS`,
`HASHED_TEXT_COLUMNS`) and what becomes of each kind: a name column's value
becomes the person's pseudonym, an id a keyed hash, a mention the mention's
pseudonym, codes stay, and every other string, at any depth of lists,
structs and maps, goes through the name book (default deny); `mentions` is
read again from the rewritten body; binary data stops the publication.
pyarrow and Polars are imported by the functions that use them.
"""

from __future__ import annotations

from collections.abc import Callable

from classchat.namebook import Namebook
from classchat.pseudonyms import PseudonymiseError, pseudonymous_id

# Columns that hold one person's display name.
NAME_COLUMNS = frozenset(
    {
        "sender_name", "display_name", "recipient", "instructor", "asker", "asker_name",
        "answerer", "answerer_name", "person", "participant", "original_name", "matched_name",
    }
)
# Columns that identify a person by an id made from their name or roster key.
ID_COLUMNS = frozenset(
    {"user_id", "user_key", "asker_user_id", "answerer_user_id", "sender_key", "name_key", "email", "matched_user_id"}
)
# Columns whose whole value is replaced by a keyed hash in one table: a rejected attendance-report row
# holds a name and an e-mail that may be known nowhere else (so no name book could find them).
HASHED_TEXT_COLUMNS = frozenset({("attendance_rejects", "raw_text")})
# Lists of @mentioned names.
MENTION_COLUMNS = frozenset({"mentions"})
# Columns that hold only codes, hashes, ids of messages or versions: copied as they are.
CODE_COLUMNS = frozenset(
    {
        "message_id", "answered_by_message_id", "answers_message_id", "reply_to_message_id",
        "reaction_to_message_id", "question_id", "answer_message_id", "run_id",
        "sha256", "inputs_sha256", "build_fingerprint", "meta_fingerprint",
        "role", "export_role", "sender_role", "message_kind", "intent", "base_intent", "answer_rule",
        "answer_source", "language", "reaction_emoji", "layout", "encoding", "source_encoding", "status",
        "source_format", "timezone", "suite", "expectation", "column_name", "severity", "command", "outcome",
        "classchat_version", "dbt_version", "duckdb_version", "polars_version", "great_expectations_version",
        "match_rule", "match_source", "session_link",
    }
)


def _rewritten_schema(schema):
    import pyarrow as pa

    return pa.schema([pa.field(f.name, _plain_type(f.type)) for f in schema])


def _plain_type(type_):
    import pyarrow as pa

    if pa.types.is_dictionary(type_):
        return _plain_type(type_.value_type)
    if pa.types.is_string_view(type_):
        return pa.string()
    return type_


def _rewrite_batch(batch, table: str, book: Namebook):
    import pyarrow as pa

    names = batch.schema.names
    columns = []
    for name, column in zip(names, batch.columns, strict=True):
        try:
            if (table, name) in HASHED_TEXT_COLUMNS:
                columns.append(_map_strings(column, lambda v: pseudonymous_id(book.key, v)))
                continue
            columns.append(_rewrite_column(name, column, book))
        except PseudonymiseError as exc:
            raise PseudonymiseError(f"{table}.{name}: {exc}") from None
    if "mentions" in names and "body" in names:  # read again from the new text, as dbt read them from the old
        i, body = names.index("mentions"), columns[names.index("body")]
        if body.null_count < len(body):
            import pyarrow.compute as pc

            columns[i] = pc.if_else(pc.is_null(body), columns[i], _mentions(body, columns[i].type))
    return pa.RecordBatch.from_arrays(columns, names=names)


def _mentions(body, type_):
    """The @words of `body` (dbt's macro `mentions`): "@P-2fbd8a ok @everyone" -> ["P-2fbd8a", "everyone"]."""
    import polars as pl

    words = pl.Series(body).cast(pl.String).str.extract_all(r"@[^\s@,:，：。!?！？]+")
    return words.list.eval(pl.element().str.slice(1)).to_arrow().cast(type_)


def _rewrite_column(name: str, column, book: Namebook):
    import pyarrow as pa

    if name in CODE_COLUMNS and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    if name in NAME_COLUMNS:
        return _map_strings(column, book.name)
    if name in ID_COLUMNS:
        return _map_strings(column, lambda v: pseudonymous_id(book.key, v))
    if name in MENTION_COLUMNS:
        return _map_strings(column, book.mention)
    return _map_strings(column, book.text, prefilter=book)


def _has_strings(type_) -> bool:
    import pyarrow as pa

    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_):
        return True
    if pa.types.is_dictionary(type_):
        return _has_strings(type_.value_type)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_) or pa.types.is_fixed_size_list(type_):
        return _has_strings(type_.value_type)
    if pa.types.is_struct(type_):
        return any(_has_strings(type_.field(i).type) for i in range(type_.num_fields))
    if pa.types.is_map(type_):
        return _has_strings(type_.key_type) or _has_strings(type_.item_type)
    return False


def _map_strings(array, fn: Callable[[str], str], prefilter: Namebook | None = None):
    """`array` with `fn` applied to every string in it, at any depth (lists, structs, maps)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    type_ = array.type
    if pa.types.is_dictionary(type_):
        return _map_strings(array.dictionary_decode(), fn, prefilter)
    if pa.types.is_string_view(type_):
        return _map_strings(array.cast(pa.string()), fn, prefilter)
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        unique = pc.drop_null(pc.unique(array))
        if prefilter is not None:  # only the values that may hold a name go through Python
            unique = pc.filter(unique, prefilter.candidates(unique))
        old = unique.to_pylist()
        changed = [(v, new) for v in old if (new := fn(v)) != v]
        if not changed:
            return array
        at = pc.index_in(array, value_set=pa.array([v for v, _ in changed], type=type_))
        replaced = pa.array([new for _, new in changed], type=type_).take(at)
        return pc.if_else(pc.is_null(at), array, replaced)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        values = _map_strings(array.values, fn, prefilter)
        if values is array.values:
            return array
        cls = pa.ListArray if pa.types.is_list(type_) else pa.LargeListArray
        return cls.from_arrays(array.offsets, values, mask=array.is_null() if array.null_count else None)
    if pa.types.is_fixed_size_list(type_):
        if not _has_strings(type_):
            return array
        return pa.FixedSizeListArray.from_arrays(
            _map_strings(array.values, fn, prefilter), type_.list_size,
            mask=array.is_null() if array.null_count else None,
        )
    if pa.types.is_struct(type_):
        if not _has_strings(type_):
            return array
        fields = [type_.field(i) for i in range(type_.num_fields)]
        children = [_map_strings(array.field(i), fn, prefilter) for i in range(len(fields))]
        return pa.StructArray.from_arrays(
            children, fields=fields, mask=array.is_null() if array.null_count else None
        )
    if pa.types.is_map(type_):
        if not _has_strings(type_):
            return array
        return pa.MapArray.from_arrays(
            array.offsets, _map_strings(array.keys, fn, prefilter), _map_strings(array.items, fn, prefilter),
            mask=array.is_null() if array.null_count else None,
        )
    if pa.types.is_binary(type_) or pa.types.is_large_binary(type_) or pa.types.is_binary_view(type_) \
            or pa.types.is_union(type_):
        raise PseudonymiseError(f"a column of type {type_} cannot be searched for names; make it text or withhold it")
    return array  # numbers, times, booleans: nothing to hide
