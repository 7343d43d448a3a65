"""hookpost's Python SDK, standard library only.

A client for both webhook surfaces (seed 000's account webhook and seed 003's admin
webhooks), and the receiver helper ``Webhook.construct_event`` that verifies any of the
three signature schemes a delivery carries and raises ``WebhookSignatureError``.
"""

__version__ = "0.3.0"

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Client", "HookpostError", "Publisher", "Webhook", "WebhookKeySet", "WebhookSignatureError"]

DEFAULT_TOLERANCE_SECONDS = 300

#: Header names the API refuses as a webhook's own, in any case (it answers 400 ``validation_error``).
RESERVED_HEADER_NAMES = (
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-type", "content-length", "expect", "forwarded", "x-real-ip", "via",
)
#: Prefixes the API refuses: hookpost's own signature headers, and cloud providers' and proxies' request headers.
RESERVED_HEADER_PREFIXES = (
    "webhook-", "svix-", "x-webhook-", "x-auggie-", "x-amz-", "x-amzn-", "x-goog-", "x-ms-", "x-azure-", "cf-",
    "x-forwarded-", "x-envoy-",
)


def _check_headers(headers):
    """Raises ``ValueError`` for a header name the API would refuse, before anything is sent."""
    for name in headers or {}:
        lower = str(name).lower()
        if lower in RESERVED_HEADER_NAMES or lower.startswith(RESERVED_HEADER_PREFIXES):
            raise ValueError("headers.%s: hookpost, HTTP or a cloud provider or proxy sets this header; a webhook cannot send it" % name)


class WebhookSignatureError(Exception):
    """The delivery's signature does not verify (or it is too old to trust)."""


class HookpostError(Exception):
    """An API call answered an error: ``status``, ``code`` and ``message`` as the API sent them."""

    def __init__(self, status, code, message, retry_after=None):
        super().__init__("%s %s: %s" % (status, code, message))
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


# ------------------------------------------------------------------ receiving webhooks


def _header(headers, name):
    if headers is None:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, (list, tuple)) else value
    return None


def _standard_key(secret):
    body = secret[len("whsec_"):] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(body, validate=True)
        if key:
            return key
    except (binascii.Error, ValueError):
        pass
    return secret.encode("utf-8")


def _ed25519_verifies(public_key, signed, signatures):
    """Whether any ``v1a`` signature verifies with ``public_key`` (``whpk_`` + base64 of 32 bytes).

    Ed25519 needs the ``cryptography`` package (Debian: python3-cryptography); only receivers
    of ed25519 webhooks need it, so it is imported here.
    """
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise WebhookSignatureError("verifying ed25519 signatures needs the cryptography package")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key[len("whpk_"):], validate=True))
    except (binascii.Error, ValueError):
        raise WebhookSignatureError("a public key is whpk_ and the base64 of 32 bytes")
    for signature in signatures:
        try:
            key.verify(base64.b64decode(signature), signed)
            return True
        except (InvalidSignature, binascii.Error, ValueError):
            continue
    return False


def _hex_hmac(secret, data):
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def _canonical(payload):
    """Seed 000's serialisation: sorted keys, no spaces, ASCII escapes."""
    return json.dumps(json.loads(payload), separators=(",", ":"), sort_keys=True).encode("utf-8")


class Webhook:
    @staticmethod
    def construct_event(payload, signature_header=None, secret=None, headers=None,
                        tolerance=DEFAULT_TOLERANCE_SECONDS, now=None):
        """Verifies a delivery and returns its envelope as a dict.

        ``payload`` is the raw body (bytes or str). ``secret`` is the webhook's secret, or a
        list of secrets during a rotation; for an ed25519 webhook, its public key (``whpk_…``),
        which verifies the ``v1a`` entries of ``webhook-signature``. Pass ``signature_header`` (the value of
        ``X-Auggie-Signature`` or ``X-Webhook-Signature``, as seed 000 shows), or ``headers``
        (all request headers) to verify ``webhook-signature`` too; when ``webhook-timestamp``
        is among them it must be within ``tolerance`` seconds of now.
        """
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        secrets = [secret] if isinstance(secret, str) else list(secret or [])
        secrets = [s for s in secrets if s]
        if not secrets:
            raise WebhookSignatureError("no secret to verify with")
        now = int(time.time()) if now is None else int(now)

        msg_id = _header(headers, "webhook-id") or _header(headers, "svix-id")
        timestamp = _header(headers, "webhook-timestamp") or _header(headers, "svix-timestamp")
        standard = _header(headers, "webhook-signature") or _header(headers, "svix-signature")
        if signature_header is not None and signature_header.startswith("v1,"):
            standard = signature_header
            signature_header = None
        if timestamp is not None:
            if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
                raise WebhookSignatureError("webhook-timestamp is more than %d s from now (an old or replayed delivery)" % tolerance)

        if signature_header is None and standard is not None:
            if not msg_id or timestamp is None:
                raise WebhookSignatureError("webhook-signature needs webhook-id and webhook-timestamp")
            signed = ("%s.%s." % (msg_id, timestamp)).encode("utf-8") + payload
            given = [e[3:] for e in standard.split(" ") if e.startswith("v1,")]
            given_v1a = [e[4:] for e in standard.split(" ") if e.startswith("v1a,")]
            ok = any(
                _ed25519_verifies(s, signed, given_v1a) if s.startswith("whpk_") else any(
                    hmac.compare_digest(base64.b64encode(hmac.new(_standard_key(s), signed, hashlib.sha256).digest()).decode(), g)
                    for g in given
                )
                for s in secrets
            )
        else:
            signature = signature_header
            if signature is None:
                signature = _header(headers, "x-webhook-signature") or _header(headers, "x-auggie-signature")
            if signature is None:
                raise WebhookSignatureError("no signature header")
            expected_hex = signature[len("sha256="):] if signature.startswith("sha256=") else signature
            ok = False
            for s in secrets:
                if hmac.compare_digest(_hex_hmac(s, payload), expected_hex):
                    ok = True
                elif not signature.startswith("sha256="):
                    try:  # seed 000 verifies over its canonical re-serialisation
                        ok = hmac.compare_digest(_hex_hmac(s, _canonical(payload)), expected_hex)
                    except ValueError:
                        ok = False
                if ok:
                    break
        if not ok:
            raise WebhookSignatureError("the signature does not match")
        try:
            return json.loads(payload)
        except ValueError:
            raise WebhookSignatureError("the payload is not JSON")


# ------------------------------------------------------------------ calling the API


class Client:
    """A tenant's client. ``base_url`` is the stack's ApiUrl (locally http://127.0.0.1:3000)."""

    def __init__(self, api_key, base_url="http://127.0.0.1:3000", org_id=None, timeout=30):
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.org_id = org_id
        self.timeout = timeout

    def _request(self, method, path, body=None, query=None):
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Authorization": "Bearer " + self.api_key, "Accept": "application/json"}
        if self.org_id:
            headers["X-Org-ID"] = self.org_id
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                text = res.read().decode("utf-8")
                return json.loads(text) if text else None
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8")
            try:
                error = json.loads(text)["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": text or err.reason}
            retry_after = err.headers.get("Retry-After")
            raise HookpostError(err.code, error.get("code"), error.get("message"), int(retry_after) if retry_after else None) from None

    @staticmethod
    def _id(value):
        return urllib.parse.quote(value, safe="")

    # seed 000: the account webhook
    def register_webhook(self, url, event_types=None):
        return self._request("POST", "/v1/webhooks/register", {"url": url, "event_types": event_types})

    def get_webhook(self):
        return self._request("GET", "/v1/webhooks")

    def delete_webhook(self):
        self._request("DELETE", "/v1/webhooks")

    def rotate_webhook_secret(self, grace_period_seconds=None):
        body = {} if grace_period_seconds is None else {"grace_period_seconds": grace_period_seconds}
        return self._request("POST", "/v1/webhooks/rotate-secret", body)

    # seed 003: admin webhooks
    def create_webhook(self, url=None, events=None, secret=None, headers=None, retry_schedule=None, timeout_seconds=None, filter=None,
                       signature_scheme=None, rate_limit_per_second=None, ordered=None, destination=None, auth=None, sensitive_headers=None):
        """``headers``: request headers sent with every delivery (at most 20); ``retry_schedule``
        (seconds before each retry) and ``timeout_seconds``: this endpoint's own; ``filter``: an
        EventBridge event pattern over ``data`` (events that do not match are not delivered);
        ``signature_scheme="ed25519"``: signed with a key pair, the answer has ``public_key``;
        ``rate_limit_per_second``: at most this many attempts begin each second; ``ordered=True``:
        deliveries attempted one at a time in publish order. ``destination`` instead of ``url``:
        an AWS destination, ``{"type": "eventbridge" | "sqs" | "sns", "target": ..., "role_arn": ...}``
        (see ``destination_trust``). ``auth``: what the receiver wants beyond the signature,
        ``{"type": "basic", "username", "password"}``, ``{"type": "oauth2_client_credentials",
        "token_url", "client_id", "client_secret", "scope"?, "audience"?, "client_auth"?}`` or
        ``{"type": "mtls", "certificate", "private_key", "ca_bundle"?}`` (PEM); credentials are
        write-only. ``sensitive_headers``: names of ``headers`` whose values are credentials
        (Authorization, Cookie and X-Api-Key always are). A header name the API refuses
        (``RESERVED_HEADER_NAMES``, ``RESERVED_HEADER_PREFIXES``) raises ``ValueError``."""
        if (url is None) == (destination is None):
            raise ValueError("give either url or destination")
        if events is None:
            raise ValueError("events: list the event types to deliver")
        _check_headers(headers)
        body = {"events": events}
        for name, value in (("url", url), ("destination", destination), ("secret", secret), ("headers", headers), ("retry_schedule", retry_schedule),
                            ("timeout_seconds", timeout_seconds), ("filter", filter),
                            ("signature_scheme", signature_scheme), ("rate_limit_per_second", rate_limit_per_second),
                            ("ordered", ordered), ("auth", auth), ("sensitive_headers", sensitive_headers)):
            if value is not None:
                body[name] = value
        return self._request("POST", "/api/v1/admin/webhooks", body)

    def list_webhooks(self):
        """Every webhook of the tenant, as every list answers: a page dict (``data``, ``has_more``,
        ``next_starting_after``); one page holds them all."""
        return self._request("GET", "/api/v1/admin/webhooks")

    def get_admin_webhook(self, webhook_id):
        return self._request("GET", "/api/v1/admin/webhooks/" + self._id(webhook_id))

    _DEFAULT = object()

    def update_webhook(self, webhook_id, url=None, events=None, status=None, headers=None, retry_schedule=_DEFAULT, timeout_seconds=_DEFAULT, filter=_DEFAULT,
                       rate_limit_per_second=_DEFAULT, destination=None, auth=_DEFAULT, sensitive_headers=None):
        """``headers`` replaces the shown headers; a credential header is kept unless named (a
        value replaces it, ``None`` removes it); ``{}`` removes every header. ``retry_schedule=None``,
        ``timeout_seconds=None``, ``filter=None`` or ``rate_limit_per_second=None`` puts that option
        back to the stack's default; ``auth=None`` removes the receiver auth (a secret left out of
        ``auth`` keeps the stored one). A header name the API refuses raises ``ValueError``."""
        _check_headers(headers)
        body = {k: v for k, v in {"url": url, "destination": destination, "events": events, "status": status, "headers": headers,
                                  "sensitive_headers": sensitive_headers}.items() if v is not None}
        for name, value in (("retry_schedule", retry_schedule), ("timeout_seconds", timeout_seconds), ("filter", filter), ("rate_limit_per_second", rate_limit_per_second),
                            ("auth", auth)):
            if value is not Client._DEFAULT:
                body[name] = value
        return self._request("PATCH", "/api/v1/admin/webhooks/" + self._id(webhook_id), body)

    def delete_admin_webhook(self, webhook_id):
        self._request("DELETE", "/api/v1/admin/webhooks/" + self._id(webhook_id))

    def rotate_secret(self, webhook_id, grace_period_seconds=None, secret=None):
        body = {k: v for k, v in {"grace_period_seconds": grace_period_seconds, "secret": secret}.items() if v is not None}
        return self._request("POST", "/api/v1/admin/webhooks/%s/rotate-secret" % self._id(webhook_id), body)

    def check_destination(self, webhook_id):
        """An AWS destination's check: hookpost assumes its role (refused without the external id,
        admitted with it) and writes a signed test message; ``ok``, ``problem`` and ``message`` say
        what is wrong."""
        return self._request("POST", "/api/v1/admin/webhooks/%s/check" % self._id(webhook_id))

    def destination_trust(self, type=None, target=None):
        """The trust an AWS destination's role must grant (``principal``, ``external_id``,
        ``trust_policy``); with ``type`` and ``target``, the ``cloudformation`` template making the role."""
        query = {"type": type, "target": target} if type is not None or target is not None else None
        return self._request("GET", "/api/v1/admin/destinations/trust", query=query)

    def send_test_event(self, webhook_id, event_type=None):
        """A signed test event to this webhook only: ``webhook.test``, or with ``event_type`` that
        type's example from the catalogue."""
        body = None if event_type is None else {"event_type": event_type}
        return self._request("POST", "/api/v1/admin/webhooks/%s/test" % self._id(webhook_id), body)

    def list_audit_log(self, limit=20, starting_after=None, webhook_id=None, action=None):
        """The audit trail, newest first (a page dict): who changed what (``before``, ``after``),
        when and from where; ``webhook_id`` or ``action`` narrow it; ``starting_after`` the last id
        of the previous page."""
        return self._request("GET", "/api/v1/admin/audit-log",
                             query={"limit": limit, "starting_after": starting_after, "webhook_id": webhook_id, "action": action})

    def list_event_types(self):
        """The event catalogue, as every list answers: each type's ``description``, ``schema``
        (JSON Schema 2020-12), ``version``, ``validation`` (enforce, warn, off) and ``example``."""
        return self._request("GET", "/api/v1/admin/event-types")

    def list_deliveries(self, webhook_id, offset=0, limit=20, status=None, starting_after=None):
        """A page of the history, newest first: offset up to 1,000, deeper with starting_after
        (a page's next_starting_after; has_more says whether one follows)."""
        return self._request("GET", "/api/v1/admin/webhooks/%s/deliveries" % self._id(webhook_id),
                             query={"offset": offset, "limit": limit, "status": status, "starting_after": starting_after})

    def get_delivery(self, webhook_id, delivery_id):
        return self._request("GET", "/api/v1/admin/webhooks/%s/deliveries/%s" % (self._id(webhook_id), self._id(delivery_id)))

    def retry_delivery(self, webhook_id, delivery_id):
        return self._request("POST", "/api/v1/admin/webhooks/%s/deliveries/%s/retry" % (self._id(webhook_id), self._id(delivery_id)))

    def recover(self, webhook_id, since, until=None):
        body = {"since": since}
        if until is not None:
            body["until"] = until
        return self._request("POST", "/api/v1/admin/webhooks/%s/recover" % self._id(webhook_id), body)

    def get_recovery(self, webhook_id, recovery_id):
        return self._request("GET", "/api/v1/admin/webhooks/%s/recoveries/%s" % (self._id(webhook_id), self._id(recovery_id)))

    def get_webhook_health(self, webhook_id):
        """The last 24 hours of a webhook, from its newest deliveries (at most 100; complete says whether that is all)."""
        return self._request("GET", "/api/v1/admin/webhooks/%s/health" % self._id(webhook_id))

    def list_failed_deliveries(self, limit=20, starting_after=None):
        """Failed deliveries of every webhook, newest event first, a page at a time."""
        return self._request("GET", "/api/v1/admin/failed-deliveries", query={"limit": limit, "starting_after": starting_after})

    def get_event(self, event_id):
        """An event by id (the webhook-id a receiver got): its data when kept (else None), and its delivery to each webhook."""
        return self._request("GET", "/api/v1/admin/events/%s" % self._id(event_id))


from .publisher import Publisher  # noqa: E402  (it needs HookpostError, defined above)


from .jwks import WebhookKeySet  # noqa: E402  (it builds on Webhook above)
