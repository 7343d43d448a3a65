"""Publishing events to hookpost from the platform's backend.

On AWS every request is signed with SigV4 (``execute-api``) by botocore, with credentials
from its standard chain (the role, the environment, a profile); locally it takes the admin
key. Failures worth retrying (429, 5xx, a dropped connection) are retried with backoff and
jitter, honouring ``Retry-After``, and every event keeps its idempotency key across retries
(one is made when none is given), so a retried request never publishes an event twice.
botocore is needed only for signing and for the EventBridge bus.
"""

import email.utils
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from . import HookpostError

__all__ = ["Publisher", "BATCH_EVENTS", "BATCH_BYTES"]

BATCH_EVENTS = 100  # what POST /v1/events/batch takes at most
BATCH_BYTES = 1_000_000  # and its body, with room for the envelope


def _retry_after_seconds(value):
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def split_batches(events):
    """Consecutive batches of at most BATCH_EVENTS events and BATCH_BYTES of JSON."""
    batches, size = [], 0
    for event in events:
        n = len(json.dumps(event).encode("utf-8")) + 64
        if batches and len(batches[-1]) < BATCH_EVENTS and size + n <= BATCH_BYTES:
            batches[-1].append(event)
            size += n
        else:
            batches.append([event])
            size = n
    return batches


class Publisher:
    """Publishes events. ``base_url`` is the stack's ApiUrl (locally http://127.0.0.1:3000);
    give ``admin_key`` locally, or nothing on AWS (requests are then signed with SigV4)."""

    def __init__(self, base_url, admin_key=None, region=None, credentials=None, max_retries=5,
                 backoff=(0.2, 20.0), timeout=30, sleep=time.sleep):
        self.base_url = base_url.rstrip("/")
        self.admin_key = admin_key
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        self.sleep = sleep
        self._credentials = credentials
        self.region = region
        if admin_key is None:
            import botocore.session  # signing needs botocore (Debian: python3-botocore)

            session = botocore.session.get_session()
            self.region = region or session.get_config_variable("region") or "us-east-1"
            self._credentials = credentials or session.get_credentials()
            if self._credentials is None:
                raise HookpostError(0, "no_credentials", "No AWS credentials found to sign with (or give admin_key locally)")

    def publish(self, tenant_id, type, data, idempotency_key=None):
        """Publishes one event; returns {"id", "idempotency_key"}."""
        key = idempotency_key or str(uuid.uuid4())
        body = self._send("/v1/events", {"tenant_id": tenant_id, "type": type, "data": data}, {"Idempotency-Key": key})
        return {"id": body["id"], "idempotency_key": key}

    def portal_link(self, tenant_id, read_only=None, ttl_seconds=None, capabilities=None, webhook_ids=None, event_types=None):
        """A single-use, short-lived link to the dashboard signed in as ``tenant_id``, to hand to
        that tenant instead of an API key. It may do what ``capabilities`` grant beyond reading
        (manage_webhooks, rotate_secrets, retry, erase_payloads; default all, read_only none), on
        ``webhook_ids`` alone if given, subscribing webhooks to ``event_types`` alone if given: the
        API enforces it. Returns {"url", "read_only", "capabilities", "webhook_ids", "event_types",
        "expires_at"}. The url holds the link's token: treat it as a secret."""
        given = {"read_only": read_only, "ttl_seconds": ttl_seconds, "capabilities": capabilities, "webhook_ids": webhook_ids, "event_types": event_types}
        payload = {k: v for k, v in given.items() if v is not None}
        body = self._send("/v1/tenants/%s/portal-sessions" % urllib.parse.quote(tenant_id, safe=""), payload)
        return {k: body[k] for k in ("url", "read_only", "capabilities", "webhook_ids", "event_types", "expires_at")}

    def erase_tenant(self, tenant_id):
        """Erases a tenant and everything of it (keys, portal links, webhooks, deliveries, stored
        events, pending retries, its audit trail), in the background: from the answer on it is
        not found and nothing more is delivered for it. Returns the erasure (asked again: as it
        stands): {"tenant_id", "status", "requested_at", "requested_by", "finished_at", "counts"}."""
        return self._send("/v1/tenants/%s" % urllib.parse.quote(tenant_id, safe=""), None, method="DELETE")

    def tenant_erasure(self, tenant_id):
        """A tenant's erasure: its progress (status "erasing"), then its receipt ("done", kept
        for the retention)."""
        return self._send("/v1/tenants/%s/erasure" % urllib.parse.quote(tenant_id, safe=""), None, method="GET")

    def publish_batch(self, events):
        """Publishes any number of events (dicts of tenant_id, type, data and optionally
        idempotency_key), split into API batches, one after another; returns their ids in
        order. A batch is all or nothing: on a failure, the error's ``published`` lists what the
        batches before it published."""
        keyed = [dict(e, idempotency_key=e.get("idempotency_key") or str(uuid.uuid4())) for e in events]
        published = []
        for batch in split_batches(keyed):
            try:
                body = self._send("/v1/events/batch", {"events": [
                    {"tenant_id": e["tenant_id"], "type": e["type"], "data": e["data"], "idempotency_key": e["idempotency_key"]}
                    for e in batch
                ]})
            except HookpostError as err:
                err.published = published
                raise
            published.extend({"id": d["id"], "idempotency_key": e["idempotency_key"]} for d, e in zip(body["data"], batch))
        return published

    def publish_to_event_bus(self, events, bus_name, client=None):
        """Publishes through the hookpost EventBridge bus (stack output EventBusName):
        detail-type = the type, detail = {tenant_id, data}, ten entries a PutEvents; entries
        EventBridge refuses are sent again with backoff. ``client`` defaults to botocore's."""
        if client is None:
            import botocore.session

            client = botocore.session.get_session().create_client("events", region_name=self.region)
        for i in range(0, len(events), 10):
            entries = [{"EventBusName": bus_name, "Source": "hookpost.publisher", "DetailType": e["type"],
                        "Detail": json.dumps({"tenant_id": e["tenant_id"], "data": e["data"]})} for e in events[i:i + 10]]
            attempt = 0
            while entries:
                out = client.put_events(Entries=entries)["Entries"]
                refused = [entry for entry, result in zip(entries, out) if result.get("ErrorCode")]
                if not refused:
                    break
                if attempt >= self.max_retries:
                    raise HookpostError(0, "eventbridge_refused", "%d events refused by EventBridge" % len(refused))
                entries = refused
                self.sleep(random.uniform(0, min(self.backoff[1], self.backoff[0] * 2 ** attempt)))
                attempt += 1

    def _headers(self, method, url, body, extra):
        headers = {**({"Content-Type": "application/json"} if body else {}), **extra}
        if self.admin_key is not None:
            headers["Authorization"] = "Bearer " + self.admin_key
            return headers
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(self._credentials.get_frozen_credentials() if hasattr(self._credentials, "get_frozen_credentials") else self._credentials,
                  "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())

    def _send(self, path, payload, extra=None, method="POST"):
        """One request, retried while it may succeed: the same body, so the same idempotency keys."""
        url = self.base_url + path
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        attempt = 0
        while True:
            last = attempt >= self.max_retries
            backoff = random.uniform(0, min(self.backoff[1], self.backoff[0] * 2 ** attempt))
            request = urllib.request.Request(url, data=body or None, method=method, headers=self._headers(method, url, body, extra or {}))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as res:
                    text = res.read().decode("utf-8")
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as err:
                text = err.read().decode("utf-8")
                if last or not (err.code == 429 or err.code >= 500):
                    try:
                        parsed = json.loads(text)
                        error = parsed.get("error") or {"code": "http_error", "message": parsed.get("message", text)}
                    except (ValueError, AttributeError):
                        error = {"code": "http_error", "message": text or err.reason}
                    raise HookpostError(err.code, error.get("code"), error.get("message")) from None
                wait = _retry_after_seconds(err.headers.get("Retry-After"))
                self.sleep(backoff if wait is None else wait)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if last:
                    raise
                self.sleep(backoff)
            attempt += 1
