"""Finding the names of knowledge/ in a message."""

from __future__ import annotations

from actions.names import names_pattern


def test_the_longest_name_wins_and_names_ending_with_a_dot_are_found():
    pattern = names_pattern(("Korbit", "Korbit AI", "Ph.D."))
    assert pattern.search("tell me about korbit ai please").group(0) == "korbit ai"
    assert pattern.search("is a Ph.D. offered?").group(0) == "Ph.D."


def test_names_inside_other_words_are_not_found():
    pattern = names_pattern(("Mila",))
    assert pattern.search("the milan cathedral") is None
    assert pattern.search("Mila's students").group(0) == "Mila"


def test_no_names_no_pattern():
    assert names_pattern(()) is None
