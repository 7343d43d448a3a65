"""The Python SDK against a running hookpost (the local runtime in CI).

Environment: HOOKPOST_URL, HOOKPOST_KEY (a tenant's key, tenant "acme"), HOOKPOST_ADMIN_KEY.
A receiver runs in this process on 127.0.0.1.
"""

import base64
import json
import os
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from auggie import Webhook as SeedWebhook, WebhookSignatureError as SeedError  # seed 000's import, as written
from hookpost import Client, HookpostError, Webhook, WebhookKeySet, WebhookSignatureError

URL = os.environ["HOOKPOST_URL"]
KEY = os.environ["HOOKPOST_KEY"]
ADMIN = os.environ["HOOKPOST_ADMIN_KEY"]
AWS = os.environ.get("HOOKPOST_AWS_URL")  # the local runtime's simulated AWS accounts

received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.append({"path": self.path, "headers": self.headers, "body": body})  # case-insensitive, as frameworks give them
        status = 500 if self.path.startswith("/failing") else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
RECEIVER = "http://127.0.0.1:%d" % server.server_address[1]


def publish(event_type, data):
    req = urllib.request.Request(URL + "/v1/events", method="POST", data=json.dumps({"tenant_id": "acme", "type": event_type, "data": data}).encode(),
                                 headers={"Authorization": "Bearer " + ADMIN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())["id"]


def wait_for(predicate, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        hits = [r for r in received if predicate(r)]
        if hits:
            return hits[0]
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class SeedSurface(unittest.TestCase):
    def test_register_verify_as_seed_000_shows_then_get_and_delete(self):
        client = Client(api_key=KEY, base_url=URL)
        wh = client.register_webhook(url=RECEIVER + "/account", event_types=["research.completed", "bulk.completed"])
        self.assertEqual(len(wh["secret"]), 64)
        self.assertEqual(wh["event_types"], ["research.completed", "bulk.completed"])
        event_id = publish("research.completed", {"job_id": 123, "score": 1e-05, "name": "Zoë"})
        hit = wait_for(lambda r: r["path"] == "/account" and event_id.encode() in r["body"], "the account delivery")
        # Seed 000's sample, as written.
        event = SeedWebhook.construct_event(payload=hit["body"], signature_header=hit["headers"]["X-Auggie-Signature"], secret=wh["secret"])
        self.assertEqual(event["type"], "research.completed")
        self.assertEqual(event["data"]["job_id"], 123)
        with self.assertRaises(SeedError):
            SeedWebhook.construct_event(payload=hit["body"].replace(b"123", b"124"), signature_header=hit["headers"]["X-Auggie-Signature"], secret=wh["secret"])
        with self.assertRaises(WebhookSignatureError):
            Webhook.construct_event(payload=hit["body"], signature_header=hit["headers"]["X-Auggie-Signature"], secret="0" * 64)
        # All headers: webhook-signature and its timestamp are checked too.
        self.assertEqual(Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=wh["secret"])["id"], event_id)
        self.assertNotIn("secret", client.get_webhook())
        rotated = client.rotate_webhook_secret(grace_period_seconds=60)
        self.assertNotEqual(rotated["secret"], wh["secret"])
        client.delete_webhook()
        with self.assertRaises(HookpostError) as caught:
            client.get_webhook()
        self.assertEqual(caught.exception.status, 404)


class AdminSurface(unittest.TestCase):
    def test_a_header_the_api_refuses_raises_before_anything_is_sent(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        before = len(client.list_webhooks()["data"])
        for name in ("X-Amz-Security-Token", "x-AMZN-oidc-data", "X-Forwarded-For", "webhook-id", "Host"):
            with self.assertRaises(ValueError) as refused:
                client.create_webhook(url=RECEIVER + "/refused", events=["price.alert"], headers={name: "x"})
            self.assertIn("headers." + name, str(refused.exception))
        self.assertEqual(len(client.list_webhooks()["data"]), before)
        created = client.create_webhook(url=RECEIVER + "/allowed", events=["price.alert"], headers={"X-Tenant": "acme"})
        with self.assertRaises(ValueError):
            client.update_webhook(created["id"], headers={"X-Ms-Client-Principal": "admin"})
        client.delete_admin_webhook(created["id"])

    def test_every_admin_route(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        created = client.create_webhook(url=RECEIVER + "/admin", events=["price.alert"])
        self.assertTrue(created["secret"].startswith("whsec_"))
        listed = client.list_webhooks()
        # The shape of every list (list_deliveries, list_failed_deliveries): a page dict.
        self.assertEqual((listed["object"], listed["has_more"], listed["next_starting_after"]), ("list", False, None))
        self.assertIn(created["id"], [w["id"] for w in listed["data"]])
        self.assertEqual(client.get_admin_webhook(created["id"])["status"], "active")
        client.update_webhook(created["id"], events=["price.alert", "analysis.complete"])
        rotated = client.rotate_secret(created["id"], grace_period_seconds=3600)
        test = client.send_test_event(created["id"])
        hit = wait_for(lambda r: r["path"] == "/admin" and test["event_id"].encode() in r["body"], "the test event")
        # During the grace period webhook-signature verifies with either secret...
        for secret in (created["secret"], rotated["secret"]):
            self.assertEqual(Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=secret)["event"], "webhook.test")
        # ...the seed 003 header with the new one (or a list of both).
        self.assertTrue(Webhook.construct_event(payload=hit["body"], signature_header=hit["headers"]["X-Webhook-Signature"], secret=[created["secret"], rotated["secret"]]))
        # Replay protection: the same delivery an hour later is refused.
        with self.assertRaises(WebhookSignatureError):
            Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=rotated["secret"], now=time.time() + 3600)

        failing = client.create_webhook(url=RECEIVER + "/failing", events=["price.alert"])
        publish("price.alert", {"n": 1})
        deadline = time.time() + 20
        page = client.list_deliveries(failing["id"], status="failed")
        while not page["data"] and time.time() < deadline:
            time.sleep(0.2)
            page = client.list_deliveries(failing["id"], status="failed")
        delivery = page["data"][0]
        self.assertEqual(client.get_delivery(failing["id"], delivery["id"])["status"], "failed")
        self.assertEqual(client.retry_delivery(failing["id"], delivery["id"])["object"], "retry")
        recovery = client.recover(failing["id"], since="2020-01-01T00:00:00Z")
        self.assertEqual(client.get_recovery(failing["id"], recovery["id"])["id"], recovery["id"])
        event = client.get_event(delivery["event_id"])
        self.assertEqual(event["data"], {"n": 1})
        self.assertIn(failing["id"], [d["webhook_id"] for d in event["deliveries"]])
        self.assertEqual(client.get_webhook_health(failing["id"])["succeeded"], 0)
        self.assertEqual(client.list_failed_deliveries(limit=5)["limit"], 5)
        client.delete_admin_webhook(failing["id"])
        with self.assertRaises(HookpostError) as caught:
            client.get_admin_webhook(failing["id"])
        self.assertEqual(caught.exception.code, "not_found")

    def test_an_ed25519_webhook_verifies_with_its_public_key_through_a_rotation(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        created = client.create_webhook(url=RECEIVER + "/ed25519", events=["price.alert"], signature_scheme="ed25519")
        self.assertNotIn("secret", created)
        self.assertTrue(created["public_key"].startswith("whpk_"))
        rotated = client.rotate_secret(created["id"], grace_period_seconds=3600)
        test = client.send_test_event(created["id"])
        hit = wait_for(lambda r: r["path"] == "/ed25519" and test["event_id"].encode() in r["body"], "the test event")
        self.assertTrue(hit["headers"]["webhook-signature"].startswith("v1a,"))
        for public_key in (created["public_key"], rotated["public_key"]):
            self.assertEqual(Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=public_key)["event"], "webhook.test")
        other = client.create_webhook(url=RECEIVER + "/other", events=["price.alert"], signature_scheme="ed25519")
        with self.assertRaises(WebhookSignatureError):
            Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=other["public_key"])
        with self.assertRaises(WebhookSignatureError):
            Webhook.construct_event(payload=hit["body"] + b" ", headers=hit["headers"], secret=rotated["public_key"])

    def test_an_ed25519_receiver_verifies_from_the_key_set_and_follows_a_rotation(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        created = client.create_webhook(url=RECEIVER + "/jwks", events=["price.alert"], signature_scheme="ed25519")
        now = [1000.0]
        keys = WebhookKeySet(URL + created["jwks_path"], clock=lambda: now[0])
        test = client.send_test_event(created["id"])
        hit = wait_for(lambda r: r["path"] == "/jwks" and test["event_id"].encode() in r["body"], "the first test event")
        self.assertEqual(keys.construct_event(hit["body"], hit["headers"])["event"], "webhook.test")
        self.assertEqual(keys.public_keys(), [created["public_key"]])
        client.rotate_secret(created["id"], grace_period_seconds=0)
        test = client.send_test_event(created["id"])
        hit = wait_for(lambda r: r["path"] == "/jwks" and test["event_id"].encode() in r["body"], "the second test event")
        with self.assertRaises(WebhookSignatureError):
            keys.construct_event(hit["body"], hit["headers"])  # the cached set has only the old key, read a moment ago
        now[0] += 31
        self.assertEqual(keys.construct_event(hit["body"], hit["headers"])["event"], "webhook.test")

    def test_the_catalogue_and_a_types_example_sent_as_a_test(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        types = client.list_event_types()
        self.assertEqual(types["object"], "list")
        price = next(t for t in types["data"] if t["type"] == "price.alert")
        self.assertEqual(price["validation"], "warn")
        created = client.create_webhook(url=RECEIVER + "/example", events=["price.alert"])
        sent = client.send_test_event(created["id"], event_type="price.alert")
        self.assertEqual(sent["type"], "price.alert")
        hit = wait_for(lambda r: r["path"] == "/example" and sent["event_id"].encode() in r["body"], "the example")
        event = Webhook.construct_event(payload=hit["body"], headers=hit["headers"], secret=created["secret"])
        self.assertEqual(event["data"], price["example"])
        trail = client.list_audit_log(webhook_id=created["id"])
        self.assertEqual([r["action"] for r in trail["data"]], ["webhook.test_sent", "webhook.created"])
        self.assertEqual(client.list_audit_log(limit=1)["limit"], 1)

    def test_receiver_auth_is_set_and_never_read_back(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        created = client.create_webhook(url=RECEIVER + "/basic", events=["price.alert"], headers={"X-Api-Key": "py-key-value", "X-Region": "eu"},
                                        auth={"type": "basic", "username": "hookpost", "password": "py-password-value"})
        self.assertEqual(created["auth"], {"type": "basic", "username": "hookpost", "password": {"set_at": created["created_at"]}})
        self.assertEqual(list(created["sensitive_headers"]), ["X-Api-Key"])
        test = client.send_test_event(created["id"])
        hit = wait_for(lambda r: r["path"] == "/basic" and test["event_id"].encode() in r["body"], "the test event")
        self.assertEqual(hit["headers"]["Authorization"], "Basic " + base64.b64encode(b"hookpost:py-password-value").decode())
        self.assertEqual(hit["headers"]["X-Api-Key"], "py-key-value")
        updated = client.update_webhook(created["id"], auth=None, headers={"X-Api-Key": None, "X-Region": "us"})
        self.assertNotIn("auth", updated)
        self.assertNotIn("sensitive_headers", updated)
        self.assertNotIn("py-", json.dumps(client.get_admin_webhook(created["id"])))


@unittest.skipUnless(AWS, "HOOKPOST_AWS_URL: the local runtime's simulated AWS accounts")
class AwsDestination(unittest.TestCase):
    def test_trust_role_create_check_and_a_verified_message(self):
        client = Client(api_key=KEY, base_url=URL, org_id="acme")
        topic = "arn:aws:sns:us-east-1:444455556666:orders"
        trust = client.destination_trust(type="sns", target=topic)
        self.assertTrue(trust["external_id"].startswith("hpx_"))
        template = trust["cloudformation"]
        template["Resources"]["HookpostDeliveryRole"]["Properties"]["RoleName"] = "python-sdk"
        made = urllib.request.urlopen(urllib.request.Request(AWS + "/_local/accounts/444455556666/stacks", data=json.dumps(template).encode(), method="POST"))
        role = json.load(made)["outputs"]["RoleArn"]
        with self.assertRaises(ValueError):
            client.create_webhook(url=RECEIVER + "/x", events=["price.alert"], destination={"type": "sns", "target": topic, "role_arn": role})
        created = client.create_webhook(destination={"type": "sns", "target": topic, "role_arn": role}, events=["list.failed"])
        self.assertEqual(created["url"], topic)
        check = client.check_destination(created["id"])
        self.assertTrue(check["ok"], check["message"])
        sent = client.send_test_event(created["id"])
        deadline = time.time() + 20
        while True:
            got = json.load(urllib.request.urlopen(AWS + "/_local/received?target=" + topic))["received"]
            mine = [m for m in got if json.loads(m["body"])["id"] == sent["event_id"]]
            if mine or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(mine), 1)
        envelope = Webhook.construct_event(payload=mine[0]["body"], headers=mine[0]["attributes"], secret=created["secret"])
        self.assertEqual(envelope["event"], "webhook.test")


if __name__ == "__main__":
    unittest.main()
