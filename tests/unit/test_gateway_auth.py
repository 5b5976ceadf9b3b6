import base64
import json

import pytest

from streams.gateway.auth import (
    Grant,
    TokenError,
    is_loopback,
    issue_token,
    request_token,
    verify_token,
)

KEY = "test-key-0123456789"


def test_round_trip_and_grants():
    token = issue_token(KEY, read=["web", "team-*"], write=["web"], subject="alice", now=1000)
    grant = verify_token(token, KEY, now=1100)
    assert grant.subject == "alice" and grant.expires_at == 4600
    assert grant.can_read("web") and grant.can_read("team-api") and not grant.can_read("other")
    assert grant.can_write("web") and not grant.can_write("team-api")
    assert not grant.can_read("*"), "a glob never grants the every-repo subscription"


def test_star_grants_everything_including_every_repo_subscriptions():
    grant = Grant(read=("*",), write=())
    assert grant.can_read("anything") and grant.can_read("*") and not grant.can_write("x")


def test_forged_signature_is_refused():
    token = issue_token(KEY, read=["web"])
    with pytest.raises(TokenError, match="signature"):
        verify_token(token, "another-key")


def test_tampered_claims_are_refused():
    header, payload, signature = issue_token(KEY, read=["web"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["read"] = ["*"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="signature"):
        verify_token(f"{header}.{forged}.{signature}", KEY)


def test_expired_and_not_yet_valid():
    token = issue_token(KEY, read=["web"], ttl_s=60, now=1000)
    with pytest.raises(TokenError, match="expired"):
        verify_token(token, KEY, now=1100)
    assert verify_token(token, KEY, now=1064).can_read("web"), "within the leeway"


def test_algorithm_none_and_unlisted_algorithms_are_refused():
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    _, payload, _ = issue_token(KEY, read=["*"]).split(".")
    with pytest.raises(TokenError, match="algorithm"):
        verify_token(f"{header}.{payload}.", KEY)
    strong = issue_token(KEY, read=["web"], algorithm="HS512")
    with pytest.raises(TokenError, match="algorithm"):
        verify_token(strong, KEY, algorithms=["HS256"])
    assert verify_token(strong, KEY, algorithms=["HS512"]).can_read("web")


@pytest.mark.parametrize("token", ["", "a.b", "!!!.###.$$$", "e30.e30.e30.e30"])
def test_garbage_is_refused(token):
    with pytest.raises(TokenError):
        verify_token(token, KEY)


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.5")
    assert not is_loopback("10.0.0.1") and not is_loopback(None)


@pytest.mark.parametrize(("authorization", "target", "expected"), [
    ("Bearer abc.def.ghi", "/", "abc.def.ghi"),
    ("bearer  abc ", "/?token=other", "abc"),
    (None, "/metrics?token=t1&x=2", "t1"),
    ("Basic dXNlcjpwYXNz", "/?token=t2", "t2"),
    (None, "/metrics", None),
    ("Bearer ", "/", None),
    (None, "/?token=", None),
])
def test_request_token(authorization, target, expected):
    assert request_token(authorization, target) == expected
