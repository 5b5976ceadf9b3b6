import json

import pytest
from pydantic import ValidationError

from streams.exceptions import InvalidEvent
from streams.records import (
    CodeChange,
    DeadLetter,
    Feedback,
    change_key,
    parse_change,
    parse_record,
)


def event(**fields):
    base = {"schema_version": 1, "repo": "r", "path": "a.js", "revision": 1, "content": "x"}
    base.update(fields)
    return json.dumps(base).encode()


def test_valid_change_round_trips():
    change = parse_change(event(), max_content_bytes=100)
    assert change.key == change_key("r", "a.js") == "r:a.js"
    again = parse_change(change.to_bytes(), max_content_bytes=100)
    assert again == change


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'"a string"', "JSON object"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (event(schema_version=2), "unsupported schema_version 2"),
        (event(revision=-1), "revision"),
        (event(repo=""), "repo"),
        (json.dumps({"schema_version": 1, "repo": "r"}).encode(), "path"),
        (event(content="x" * 101), "over the limit of 100"),
        (event(content="é" * 51), "over the limit of 100"),
    ],
)
def test_malformed_changes_have_a_reason(payload, reason):
    with pytest.raises(InvalidEvent) as info:
        parse_change(payload, max_content_bytes=100)
    assert reason in info.value.reason


def test_unpaired_surrogate_is_rejected():
    payload = b'{"repo": "r", "path": "a.js", "revision": 1, "content": "\\ud800"}'
    with pytest.raises(InvalidEvent, match="Unicode"):
        parse_change(payload, max_content_bytes=100)


def test_missing_id_gets_one_and_defaults_apply():
    change = parse_change(event(), max_content_bytes=100)
    assert len(change.id) == 32 and change.language is None and change.rules is None


def test_feedback_verdict_is_checked():
    ok = parse_record(b'{"fix_id": "f", "rule": "eqeqeq", "verdict": "accept"}', Feedback,
                      max_bytes=1000)
    assert ok.verdict == "accept"
    with pytest.raises(InvalidEvent, match="verdict"):
        parse_record(b'{"fix_id": "f", "rule": "r", "verdict": "maybe"}', Feedback,
                     max_bytes=1000)


def test_dead_letter_keeps_the_payload_whole():
    letter = DeadLetter.for_payload(b"\xff\x00raw", "bad", stage="encode", topic="t")
    again = DeadLetter.model_validate_json(letter.to_bytes())
    assert again.payload == b"\xff\x00raw" and again.reason == "bad"


def test_records_are_frozen():
    change = CodeChange(repo="r", path="p.js", revision=1, content="")
    with pytest.raises(ValidationError):
        change.repo = "other"  # type: ignore[misc]


def test_embedding_fields_are_optional_both_ways():
    """Stage records from workers before the encoder still parse, and the new fields
    round-trip."""
    from streams.records import EncodedChange, PlannedChange

    change = {"repo": "r", "path": "a.js", "revision": 1, "content": "x"}
    old = json.dumps({"schema_version": 1, "change": change, "features": {}, "problems": {},
                      "plan": {"source": "greedy", "rules": []}}).encode()
    planned = parse_record(old, PlannedChange, max_bytes=1 << 20)
    assert planned.embedding is None and planned.plan.embedding is None
    new = planned.model_copy(update={
        "embedding": [0.5, -0.25], "plan": planned.plan.model_copy(update={"embedding": "used"})})
    again = parse_record(new.to_bytes(), PlannedChange, max_bytes=1 << 20)
    assert again.embedding == [0.5, -0.25] and again.plan.embedding == "used"
    encoded = EncodedChange.model_validate({"change": change, "features": {}, "problems": {}})
    assert encoded.embedding is None and encoded.embedding_status is None
