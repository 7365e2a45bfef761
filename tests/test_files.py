import pytest

from classchat.files import atomic_path


def test_atomic_path_replaces_the_target_only_on_a_clean_exit(tmp_path):
    target = tmp_path / "sub" / "result.json"
    with atomic_path(target) as tmp:
        tmp.write_text("one", encoding="utf-8")
        assert not target.exists()  # nothing is published before the rename
    assert target.read_text(encoding="utf-8") == "one"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("crash while writing")
    assert target.read_text(encoding="utf-8") == "one"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]  # no temporary left
