"""Verifying an ed25519 webhook's deliveries from its JWK set (``GET /v1/jwks/{tenant_id}/{id}``)."""

import base64
import json
import re
import threading
import time
import urllib.request

from . import Webhook, WebhookSignatureError, DEFAULT_TOLERANCE_SECONDS


def _public_key(jwk):
    """A JWK (RFC 8037: OKP, Ed25519) as hookpost shows keys: ``whpk_`` + base64 of the 32 bytes."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        return None
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return "whpk_" + base64.b64encode(raw).decode()


class WebhookKeySet:
    """The keys an ed25519 webhook signs with, read from its JWK set and cached.

    The set is kept for its ``Cache-Control`` max-age (``max_age`` seconds when it says none);
    a signature none of the cached keys verifies fetches it again, at most every
    ``refetch_after`` seconds (a rotation since it was read; forged requests cannot make it
    hammer the route), before the delivery is refused.
    """

    def __init__(self, url, max_age=300, refetch_after=30, timeout=10, clock=time.monotonic):
        self.url = url
        self.max_age = max_age
        self.refetch_after = refetch_after
        self.timeout = timeout
        self._clock = clock
        self._keys = []
        self._fetched_at = None
        self._fresh_until = None
        self._lock = threading.Lock()

    def _load(self):
        req = urllib.request.Request(self.url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                body = json.loads(res.read())
                cache_control = res.headers.get("Cache-Control") or ""
        except Exception as err:  # noqa: BLE001 - any failure to read the set is a refusal to verify
            raise WebhookSignatureError("could not read the key set at %s: %s" % (self.url, err))
        keys = [k for k in (_public_key(j) for j in body.get("keys", []) if isinstance(j, dict)) if k]
        if not keys:
            raise WebhookSignatureError("the key set at %s holds no Ed25519 key" % self.url)
        match = re.search(r"max-age=(\d+)", cache_control)
        now = self._clock()
        self._keys, self._fetched_at = keys, now
        self._fresh_until = now + (int(match.group(1)) if match else self.max_age)

    def public_keys(self):
        """The public keys (``whpk_…``) deliveries verify with now; fetched when the cache is stale."""
        with self._lock:
            if self._fresh_until is None or self._clock() >= self._fresh_until:
                self._load()
            return list(self._keys)

    def construct_event(self, payload, headers, tolerance=DEFAULT_TOLERANCE_SECONDS, now=None):
        """``Webhook.construct_event`` with the set's keys: the envelope, or ``WebhookSignatureError``."""
        keys = self.public_keys()
        try:
            return Webhook.construct_event(payload=payload, headers=headers, secret=keys, tolerance=tolerance, now=now)
        except WebhookSignatureError as err:
            if str(err) != "the signature does not match":
                raise
            with self._lock:
                if self._clock() - self._fetched_at < self.refetch_after:
                    raise
                self._load()
                keys = list(self._keys)
            return Webhook.construct_event(payload=payload, headers=headers, secret=keys, tolerance=tolerance, now=now)
