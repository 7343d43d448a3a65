"""Seed 000's import name, so its receiver sample runs as written:
``from auggie import Webhook, WebhookSignatureError``. Everything is hookpost's SDK."""

from hookpost import Client, HookpostError, Webhook, WebhookSignatureError  # noqa: F401

__all__ = ["Client", "HookpostError", "Webhook", "WebhookSignatureError"]
