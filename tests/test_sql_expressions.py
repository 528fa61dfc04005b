import sys

from amp_replay_cli.core.identity.sql.expressions import PYTHON_WHITESPACE


def test_the_whitespace_searched_up_to_the_ideographic_space_is_all_of_it():
    everywhere = "".join(chr(point) for point in range(sys.maxunicode + 1) if chr(point).isspace())
    assert everywhere == PYTHON_WHITESPACE
