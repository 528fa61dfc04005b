import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.documents import load_documents, parse_documents
from amp_replay_cli.core.documents.limits import DEFAULT_LIMITS, Limits
from amp_replay_cli.core.documents.nodes import Mapping, Mark, Scalar, Sequence, to_plain
from amp_replay_cli.core.documents.sources import Source, decode_text, expand_paths
from amp_replay_cli.core.errors import InputError


def one(text, suffix=".yaml", limits=DEFAULT_LIMITS):
    documents = parse_documents(text, f"config{suffix}", suffix, limits)
    assert len(documents) == 1
    return documents[0]


def error_of(text, suffix=".yaml", limits=DEFAULT_LIMITS):
    with pytest.raises(InputError) as caught:
        parse_documents(text, f"config{suffix}", suffix, limits)
    return caught.value


# -- positions --------------------------------------------------------------------------------
def test_yaml_marks_are_one_based_and_count_characters():
    document = one("a: 1\nprivacyConfig:\n  maskSelector: ['.pii']\nü: 'é'\n")
    privacy = document.root.entries["privacyConfig"]
    assert privacy.key_mark == Mark(2, 1)
    entry = privacy.value.entries["maskSelector"]
    assert entry.key_mark == Mark(3, 3)
    assert entry.value.items[0].mark == Mark(3, 18)
    assert document.root.entries["ü"].value.mark == Mark(4, 4)


def test_json_marks_follow_lines_and_columns():
    document = one(
        '{\n  "sampleRate": 0.5,\n  "privacyConfig": {"maskSelector": [".a", ".b"]}\n}', ".json"
    )
    assert document.root.entries["sampleRate"].key_mark == Mark(2, 3)
    assert document.root.entries["sampleRate"].value.mark == Mark(2, 17)
    selectors = document.root.entries["privacyConfig"].value.entries["maskSelector"].value
    assert [item.mark for item in selectors.items] == [Mark(3, 38), Mark(3, 44)]


# -- PyYAML's traps ---------------------------------------------------------------------------
def test_duplicate_keys_are_recorded_and_the_last_value_wins():
    document = one("sampleRate: 0.1\nother: 1\nsampleRate: 0.2\n")
    assert document.root.entries["sampleRate"].value.value == 0.2
    [duplicate] = document.duplicates
    assert (duplicate.key, duplicate.first, duplicate.again) == (
        "sampleRate",
        Mark(1, 1),
        Mark(3, 1),
    )


def test_json_duplicate_keys_are_recorded_with_their_path():
    document = one('{"a": {"b": 1, "b": 2}}', ".json")
    [duplicate] = document.duplicates
    assert duplicate.path == ("a",) and duplicate.key == "b"
    assert to_plain(document.root) == {"a": {"b": 2}}


@pytest.mark.parametrize(
    ("text", "value", "says"),
    [
        ("1e-2", 0.01, "write 0.01"),
        ("1e3", 1000.0, "write 1000"),
        ("no", False, 'read the string "no"'),
        ("On", True, "write true"),
        ("012", 10, "octal"),
        ("1_000", 1000, "underscores"),
        ("1:30", 90, "base-60"),
    ],
)
def test_scalars_read_differently_by_yaml_1_1_and_1_2_are_noted(text, value, says):
    scalar = one(f"key: {text}\n").root.entries["key"].value
    assert scalar.value == value
    assert says in scalar.ambiguity


@pytest.mark.parametrize("text", ["0.01", "true", "'1e-2'", "12", "0", "'no'", "null", "-3.5"])
def test_unambiguous_scalars_have_no_note(text):
    assert one(f"key: {text}\n").root.entries["key"].value.ambiguity is None


def test_quoted_exponent_stays_a_string():
    assert one("key: '1e-2'\n").root.entries["key"].value.value == "1e-2"


def test_dates_stay_strings():
    document = one("key: 2026-01-02\nother: 2026-01-02T10:00:00Z\n")
    assert to_plain(document.root) == {"key": "2026-01-02", "other": "2026-01-02T10:00:00Z"}


def test_merge_keys_merge_with_explicit_keys_winning():
    document = one(
        "base: &b {sampleRate: 0.1, debugMode: true}\nprod:\n  <<: *b\n  sampleRate: 0.5\n"
    )
    assert to_plain(document.root)["prod"] == {"sampleRate": 0.5, "debugMode": True}


def test_multi_document_streams_give_each_document():
    documents = parse_documents("sampleRate: 1\n---\nsampleRate: 0.1\n", "x.yaml", ".yaml")
    assert [to_plain(d.root) for d in documents] == [{"sampleRate": 1}, {"sampleRate": 0.1}]
    assert [d.index for d in documents] == [0, 1]


# -- hostile input ----------------------------------------------------------------------------
def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    error = error_of(bomb)
    assert "alias bomb" in error.message
    assert error.location.line is not None


def test_recursive_alias_is_refused():
    assert "recursive alias *a" in error_of("a: &a [1, *a]\n").message


def test_unknown_alias_is_refused():
    assert error_of("a: *nope\n").message == "alias *nope refers to no anchor"


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
@pytest.mark.parametrize("depth", [65, 100_000])
def test_deep_nesting_is_refused_without_recursion(suffix, depth):
    error = error_of("[" * depth + "]" * depth, suffix)
    assert "nest" in error.message  # ours at 64 levels, or libyaml's own limit first
    assert error.location.line == 1


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_up_to_the_limit_is_read(suffix):
    nested = []
    for _ in range(63):
        nested = [nested]
    assert to_plain(one("[" * 64 + "]" * 64 + "\n", suffix).root) == nested


def test_value_budget_applies_to_json():
    error = error_of(json.dumps(list(range(200))), ".json", Limits(max_values=100))
    assert "more than 100 values" in error.message


def test_non_standard_tags_are_refused():
    error = error_of("a: !!python/object/apply:os.system ['true']\n")
    assert "unsupported YAML tag" in error.message


@pytest.mark.parametrize(
    ("text", "suffix", "message", "line", "column"),
    [
        ('{"a": NaN}', ".json", "NaN is not valid JSON", 1, 7),
        ('{"a": Infinity}', ".json", "Infinity is not valid JSON", 1, 7),
        ('{"a": 1,}', ".json", "trailing comma", 1, 9),
        ('{"a": 1', ".json", "unexpected end of file", 1, 8),
        ('{"a": "b', ".json", "unterminated string", 1, 7),
        ('{"a": 1}\n{"b": 2}', ".json", "extra data", 2, 1),
        ("{\n  // comment\n}", ".json", "comments are not allowed", 2, 3),
        ("{'a': 1}", ".json", "double quotes", 1, 2),
        ("a: [1, 2\n", ".yaml", "YAML syntax error", 2, 1),
        ("a: b: c\n", ".yaml", "mapping values are not allowed", 1, 5),
        ("a:\n\t- b\n", ".yaml", "YAML syntax error", 2, 1),
    ],
)
def test_syntax_errors_name_the_place(text, suffix, message, line, column):
    error = error_of(text, suffix)
    assert message in error.message
    assert (error.location.line, error.location.column) == (line, column)


def test_empty_and_comment_only_files_are_input_errors():
    assert error_of("").message == "empty file"
    assert error_of("   \n# nothing here\n").message == "empty file"


def test_huge_integers_do_not_break_the_parsers():
    digits = "9" * 5000
    assert one(f"a: {digits}\n").root.entries["a"].value.value == float("inf")
    assert one(f'{{"a": {digits}}}', ".json").root.entries["a"].value.value == float("inf")


# -- encodings and files ----------------------------------------------------------------------
def test_utf8_bom_and_utf16_with_bom_decode():
    assert decode_text(b"\xef\xbb\xbfa: 1", "f") == "a: 1"
    assert decode_text("a: é".encode("utf-16"), "f") == "a: é"
    assert decode_text("a: é".encode("utf-32"), "f") == "a: é"


def test_invalid_utf8_names_line_and_column():
    with pytest.raises(InputError) as caught:
        decode_text(b"a: 1\nbb: \xff\n", "bad.yaml")
    assert caught.value.one_line() == "bad.yaml:2:5: invalid UTF-8 (byte 0xff at offset 9)"


def test_utf16_without_bom_is_refused():
    with pytest.raises(InputError) as caught:
        decode_text("a: 1".encode("utf-16-le"), "f")
    assert "NUL bytes" in caught.value.message


def test_files_over_the_size_limit_are_refused_without_reading_them_whole(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 2048)
    with pytest.raises(InputError) as caught:
        load_documents(Source("big.yaml", path), Limits(max_bytes=1024))
    assert "larger than the 1 KiB limit" in caught.value.message


def test_paths_expand_directories_and_globs_in_order_without_duplicates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in (
        "b.yaml",
        "a.json",
        "sub/c.yml",
        "sub/skip.txt",
        ".hidden/d.yaml",
        "node_modules/e.json",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("a: 1")
    expanded = expand_paths([".", "*.yaml", "missing*.yaml", "-"], (".yaml", ".yml", ".json"))
    names = [
        item.name if isinstance(item, Source) else f"error:{item.location.file}"
        for item in expanded
    ]
    assert names == ["./a.json", "./b.yaml", "./sub/c.yml", "error:missing*.yaml", "<stdin>"]


# -- properties -------------------------------------------------------------------------------
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_parser_reads_what_json_dumps_writes(value):
    text = json.dumps({"v": value})
    assert to_plain(one(text, ".json").root) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([".yaml", ".json", ""]))
@example("# a comment, no document\n", ".yaml")
@example("--- 1\n--- [2]\n", ".yaml")
def test_parsers_never_fail_with_anything_but_an_input_error(text, suffix):
    try:
        documents = parse_documents(text, "fuzz", suffix)
    except InputError as error:
        assert error.location is not None and error.location.file == "fuzz"
    else:
        # Anything else is at least one whole document, numbered in order.
        assert documents
        for index, document in enumerate(documents):
            assert (document.source, document.index) == ("fuzz", index)
            assert isinstance(document.root, (Mapping, Sequence, Scalar))


# -- streamed JSON arrays ---------------------------------------------------------------------
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 65536])
def test_json_array_stream_reads_values_split_across_chunks(monkeypatch, chunk):
    import io

    from amp_replay_cli.core.documents import streams

    monkeypatch.setattr(streams, "_CHUNK", chunk)
    values = [1767225600123, -12.25e10, 1.5e-3, "a,b\n]c", None, True, "é" * 5, 0, {"x": [1, 2]}]
    text = json.dumps(values, indent=1)
    items = list(streams.iter_json_array(io.StringIO(text), "ids.json"))
    assert [value for _, value in items] == values
    assert [line for line, _ in items] == list(range(2, 2 + len(values)))  # one scalar per line


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("[1, 2", "unexpected end of file", 1, 6),
        ("[1 2]", "expected ',' or ']'", 1, 4),
        ("[1,]", "trailing comma", 1, 4),
        ("[NaN]", "NaN is not valid JSON", 1, 2),
        ("[1] x", "extra data", 1, 5),
        ('{"a": 1}', "expected a JSON array", 1, 1),
        ('[\n  1,\n  {"a": x}\n]', "expected a value", 3, 9),
        ('["a]', "unexpected end of file", 1, 5),
    ],
)
@pytest.mark.parametrize("chunk", [2, 65536])
def test_json_array_stream_errors_name_the_place(monkeypatch, chunk, text, message, line, column):
    import io

    from amp_replay_cli.core.documents import streams

    monkeypatch.setattr(streams, "_CHUNK", chunk)
    with pytest.raises(InputError) as caught:
        list(streams.iter_json_array(io.StringIO(text), "ids.json"))
    assert message in caught.value.message
    assert (caught.value.location.line, caught.value.location.column) == (line, column)


def test_a_yaml_lone_surrogate_escape_is_read_as_yaml_and_js_yaml_read_it():
    # libyaml refuses "\ud800"; the YAML spec and js-yaml take it as the code unit it names.
    assert to_plain(one('a: "x\\ud800y"\n').root) == {"a": "x\ud800y"}
    assert "YAML syntax error" in error_of('a: "\\ud800\n').message  # other errors stay errors
