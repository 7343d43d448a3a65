"""The Python publisher against a running hookpost (the local runtime in CI), signing with
SigV4 through botocore as on AWS: credentials from the standard chain (here the environment:
the local runtime's credential pair), which the runtime verifies.

Environment: HOOKPOST_URL, HOOKPOST_KEY (a tenant's key, tenant "acme"), AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.
"""

import json
import os
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import hookpost.publisher as publisher_module
from hookpost import Client, HookpostError, Publisher

URL = os.environ["HOOKPOST_URL"]
KEY = os.environ["HOOKPOST_KEY"]

received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0")))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class Flaky(BaseHTTPRequestHandler):
    """503 with Retry-After, then 429, then accepted; records what each request carried."""
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Flaky.seen.append((self.headers.get("Idempotency-Key"), body))
        n = len(Flaky.seen)
        status, headers, out = {1: (503, {"Retry-After": "2"}, b"{}"), 2: (429, {}, b"{}")}.get(n, (202, {}, b'{"id":"evt_1","object":"event"}'))
        if n > 3:
            status, out = 400, b'{"error":{"code":"validation_error","message":"no"}}'
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


class PublisherTest(unittest.TestCase):
    def test_publishes_a_batch_of_250_in_three_signed_requests_and_each_is_delivered(self):
        _, receiver = serve(Receiver)
        Client(KEY, base_url=URL).create_webhook(receiver + "/pub", ["price.alert"])
        sent = []
        real = urllib.request.urlopen

        def recording(request, timeout=None):
            sent.append((request.get_header("Authorization"), len(json.loads(request.data).get("events", [None]))))
            return real(request, timeout=timeout)

        publisher_module.urllib.request.urlopen = recording
        try:
            published = Publisher(URL).publish_batch([{"tenant_id": "acme", "type": "price.alert", "data": {"i": i}} for i in range(250)])
        finally:
            publisher_module.urllib.request.urlopen = real
        self.assertEqual(len(published), 250)
        self.assertEqual([n for _, n in sent], [100, 100, 50])
        for authorization, _ in sent:
            self.assertRegex(authorization, r"^AWS4-HMAC-SHA256 Credential=AKIALOCAL\w+/\d{8}/us-east-1/execute-api/aws4_request")
        # At least once: a delivery may arrive twice (a slow batch redelivered), never not at all.
        deadline = time.time() + 90
        while len({e["id"] for e in received}) < 250 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(sorted({e["data"]["i"] for e in received}), list(range(250)))
        one = Publisher(URL).publish("acme", "price.alert", {"single": True}, idempotency_key="order-42")
        self.assertEqual(one["idempotency_key"], "order-42")
        self.assertEqual(Publisher(URL).publish("acme", "price.alert", {"single": True}, idempotency_key="order-42")["id"], one["id"])

    def test_retries_429_and_5xx_honouring_retry_after_with_the_same_key_and_a_400_is_final(self):
        _, flaky = serve(Flaky)
        sleeps = []
        publisher = Publisher(flaky, admin_key="hpadmin_x", sleep=sleeps.append)
        self.assertEqual(publisher.publish("acme", "price.alert", {"n": 1})["id"], "evt_1")
        self.assertEqual(len(Flaky.seen), 3)
        self.assertEqual(len({k for k, _ in Flaky.seen}), 1)
        self.assertEqual(len({b for _, b in Flaky.seen}), 1)
        self.assertEqual(sleeps[0], 2)
        self.assertLessEqual(sleeps[1], 0.4)
        with self.assertRaises(HookpostError) as caught:
            publisher.publish("acme", "price.alert", {"n": 2})
        self.assertEqual((caught.exception.status, caught.exception.code), (400, "validation_error"))

    def test_asks_for_a_portal_link_that_opens_once_as_the_tenant(self):
        link = Publisher(URL).portal_link("acme", read_only=True, ttl_seconds=600)
        self.assertTrue(link["read_only"])
        self.assertEqual(link["capabilities"], [])
        scoped = Publisher(URL).portal_link("acme", capabilities=["retry"], event_types=["price.alert"])
        self.assertEqual((scoped["read_only"], scoped["capabilities"], scoped["webhook_ids"], scoped["event_types"]), (False, ["retry"], None, ["price.alert"]))
        token = link["url"].split("#portal=", 1)[1]
        open_link = lambda: urllib.request.urlopen(urllib.request.Request(  # noqa: E731
            URL + "/api/v1/portal/sessions", data=json.dumps({"token": token}).encode(), method="POST", headers={"Content-Type": "application/json"}))
        with open_link() as res:
            self.assertEqual(json.loads(res.read())["tenant_id"], "acme")
        with self.assertRaises(urllib.error.HTTPError) as caught:
            open_link()
        self.assertEqual(caught.exception.code, 409)

    def test_erases_a_tenant_signed_and_reads_the_erasure_to_its_receipt(self):
        publisher = Publisher(URL)
        started = publisher.erase_tenant("leaving-py")
        self.assertEqual((started["tenant_id"], started["status"], started["requested_by"]["type"]), ("leaving-py", "erasing", "platform"))
        erasure = started
        for _ in range(100):
            if erasure["status"] == "done":
                break
            time.sleep(0.2)
            erasure = publisher.tenant_erasure("leaving-py")
        self.assertEqual(erasure["status"], "done")
        self.assertEqual(erasure["counts"]["api_keys"], 1)
        with self.assertRaises(HookpostError) as caught:
            publisher.tenant_erasure("acme")
        self.assertEqual((caught.exception.status, caught.exception.code), (404, "erasure_not_found"))

    def test_a_wrong_secret_is_refused_by_the_signature_check(self):
        from botocore.credentials import Credentials

        with self.assertRaises(HookpostError) as caught:
            Publisher(URL, credentials=Credentials(os.environ["AWS_ACCESS_KEY_ID"], "wrong")).publish("acme", "price.alert", {})
        self.assertEqual(caught.exception.status, 403)


if __name__ == "__main__":
    unittest.main()
