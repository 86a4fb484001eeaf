#!/usr/bin/env python3
"""Prepares a running tobira for load: registers the owner of a contract created with
`tobira contract create`, enrols an authenticator, turns the contract's two-factor policy off
(so that password sign-ins open sessions), and prints a session cookie for the session-check
load. Standard library only.

usage: setup.py BASE_URL INVITATION_TOKEN EMAIL PASSWORD
"""

import base64
import hashlib
import hmac
import http.cookiejar
import json
import struct
import sys
import time
import urllib.request


def totp(secret_b32: str, at: float) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def main() -> None:
    base, token, email, password = sys.argv[1:5]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def call(method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(base + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with opener.open(req) as res:
                text = res.read()
                return res.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    status, body = call("POST", f"/api/invitation/{token}", {"method": "password", "password": password, "confirmation": password})
    assert status == 201, (status, body)
    status, body = call("POST", "/api/sign-in", {"email": email, "password": password, "scope": "settings"})
    assert body["step"]["kind"] == "enrol", body
    _, offer = call("POST", "/api/sign-in/totp", {})
    _, body = call("POST", "/api/sign-in/enrol", {"code": totp(offer["secret"], time.time())})
    assert "recovery_code" in body, body
    status, body = call("POST", "/api/sign-in/recovery/confirm", {"saved": True})
    assert status == 200, body
    status, body = call("POST", "/api/settings/two-factor", {"enabled": False, "acknowledge_risk": True})
    assert status == 204, (status, body)
    status, body = call("POST", "/api/sign-in", {"email": email, "password": password})
    assert body == {"status": "signed_in", "scope": "service"}, body
    for cookie in jar:
        if cookie.name.endswith("tobira_session"):
            print(f"{cookie.name}={cookie.value}")
            return
    raise SystemExit("no session cookie")


if __name__ == "__main__":
    main()
