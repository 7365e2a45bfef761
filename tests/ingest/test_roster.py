import polars as pl
import pytest

from classchat.ingest.roster import RosterError, land_roster, read_roster


def _write(paths, text):
    (paths.raw / "roster.csv").write_text(text, encoding="utf-8")


def test_no_roster_lands_an_empty_one(paths):
    assert land_roster(paths) == 0
    assert pl.read_parquet(paths.lake / "roster.parquet").columns == [
        "course_id", "display_name", "user_key", "role", "aliases", "email",
    ]


def test_roster_rows_land_with_default_role(paths):
    _write(paths, "course,display_name,user_key,role\nml,Prof Li,u1,Instructor\nml,Ann,u2,\n")
    assert land_roster(paths) == 2
    assert pl.read_parquet(paths.lake / "roster.parquet").rows() == [
        ("ml", "Prof Li", "u1", "instructor", [], None),
        ("ml", "Ann", "u2", "student", [], None),
    ]


def test_roster_aliases_and_email(paths):
    _write(paths, "course,display_name,user_key,role,aliases,email\nml,Ann Lee,u2,,Annie | A. Lee,Ann@Example.org\n")
    assert land_roster(paths) == 1
    assert pl.read_parquet(paths.lake / "roster.parquet").rows() == [
        ("ml", "Ann Lee", "u2", "student", ["Annie", "A. Lee"], "ann@example.org"),
    ]
    _write(paths, "course,display_name,user_key,role,aliases\nml,Ann Lee,u2,,Bo\nml,Bo,u3,,\n")
    with pytest.raises(RosterError, match="line 3: 'Bo' is listed twice for course ml"):
        read_roster(paths)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("course,name\n", "line 1: missing column(s) display_name, user_key, role"),
        ("course,display_name,user_key,role\nml,Ann,u2,teacher\n", "line 2: role 'teacher' is not one of"),
        ("course,display_name,user_key,role\nml,Ann,,student\n", "line 2: course, display_name and user_key"),
        (
            "course,display_name,user_key,role\nml,Ann,u2,student\nml,ann ,u9,student\n",
            "line 3: 'ann' is listed twice for course ml (first on line 2)",
        ),
    ],
)
def test_bad_roster_rows_name_file_and_line(paths, text, message):
    _write(paths, text)
    with pytest.raises(RosterError, match="roster.csv: " + message.replace("(", r"\(").replace(")", r"\)")):
        read_roster(paths)
