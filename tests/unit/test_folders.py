"""Replacing an evaluation folder whole: never a moment without one, and a replacement
killed half-way is repaired by the next."""

from __future__ import annotations

from live_commerce_quality.core import folders


def _folder(path, text):
    path.mkdir()
    (path / "ratings.parquet").write_text(text)
    return path


def test_replace_swaps_in_the_new_folder_and_removes_the_old(tmp_path):
    final = _folder(tmp_path / "final-2026-04-15", "old")
    new = _folder(tmp_path / ".final-2026-04-15.incoming", "new")
    folders.replace_folder(new, final)
    assert (final / "ratings.parquet").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final-2026-04-15"]


def test_replace_without_atomic_exchange_uses_two_renames(tmp_path, monkeypatch):
    monkeypatch.setattr(folders, "exchange", lambda a, b: False)
    final = _folder(tmp_path / "final", "old")
    folders.replace_folder(_folder(tmp_path / ".final.incoming", "new"), final)
    assert (final / "ratings.parquet").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]


def test_a_folder_left_aside_by_a_killed_replacement_is_put_back(tmp_path):
    # killed between "old aside" and "new in place": no folder under the final name
    old = _folder(tmp_path / ".final.old", "old")
    folders.restore_aside(tmp_path / "final")
    assert not old.exists()
    assert (tmp_path / "final" / "ratings.parquet").read_text() == "old"


def test_a_folder_left_aside_after_the_new_one_is_in_place_is_removed(tmp_path):
    _folder(tmp_path / ".final.old", "old")
    final = _folder(tmp_path / "final", "new")
    folders.restore_aside(final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]
    assert (final / "ratings.parquet").read_text() == "new"
