"""The request each channel expects, and how each says "received".

- generic: our JSON, signed ``sha256=HMAC(secret, timestamp + "." + body)`` in ``X-CRM-Signature``.
- WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content": ...}}``; the key is in the URL.
- DingTalk custom robot: markdown; with a secret, ``&timestamp=<ms>&sign=<urlencoded base64
  HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)>`` on the URL.
- Feishu/Lark custom bot: ``{"msg_type": "text", "content": {"text": ...}}``; with a secret,
  ``timestamp`` (seconds) and ``sign`` = base64 HMAC-SHA256(key=timestamp + "\\n" + secret, msg="").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import quote_plus

from ..models import WebhookChannel
from .messages import render

USER_AGENT = "ZhaoshangCRM-Webhooks/1.0"
WECOM_LIMIT = 4000  # WeCom refuses markdown content over 4096 bytes
DINGTALK_LIMIT = 18000


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def event_body(delivery) -> bytes:
    """The generic JSON body: the same bytes on every attempt of a delivery."""
    event = delivery.event
    return _json(
        {
            "id": str(event.uuid),
            "type": event.type,
            "created_at": event.created_at.isoformat(),
            "data": event.payload,
        }
    )


def sign_generic(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def sign_dingtalk(secret: str, timestamp_ms: str) -> str:
    """The ``sign`` query value, already URL-encoded."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(mac).decode("ascii"))


def sign_feishu(secret: str, timestamp: str) -> str:
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "…"


def build(delivery, now_seconds: float) -> Outgoing:
    """The request of ``delivery`` at the time ``now_seconds`` (signatures carry the time)."""
    subscription = delivery.subscription
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    channel = subscription.channel
    if channel == WebhookChannel.GENERIC:
        body = event_body(delivery)
        timestamp = str(int(now_seconds))
        headers |= {
            "X-CRM-Event": delivery.event.type,
            "X-CRM-Delivery": str(delivery.key),
            "Idempotency-Key": str(delivery.key),
            "X-CRM-Timestamp": timestamp,
            "X-CRM-Signature": sign_generic(subscription.secret, timestamp, body),
        }
        return Outgoing(subscription.url, body, headers)
    message = render(delivery.event.type, delivery.event.payload)
    if channel == WebhookChannel.WECOM:
        body = _json({"msgtype": "markdown", "markdown": {"content": _truncate_bytes(message.markdown(), WECOM_LIMIT)}})
        return Outgoing(subscription.url, body, headers)
    if channel == WebhookChannel.DINGTALK:
        url = subscription.url
        if subscription.secret:
            timestamp_ms = str(int(now_seconds * 1000))
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}timestamp={timestamp_ms}&sign={sign_dingtalk(subscription.secret, timestamp_ms)}"
        text = _truncate_bytes(message.markdown(), DINGTALK_LIMIT)
        body = _json({"msgtype": "markdown", "markdown": {"title": message.title[:60], "text": text}})
        return Outgoing(url, body, headers)
    if channel == WebhookChannel.FEISHU:
        data = {"msg_type": "text", "content": {"text": message.text()}}
        if subscription.secret:
            timestamp = str(int(now_seconds))
            data |= {"timestamp": timestamp, "sign": sign_feishu(subscription.secret, timestamp)}
        return Outgoing(subscription.url, _json(data), headers)
    raise ValueError(f"unknown channel {channel!r}")


def refusal(channel: str, status: int, body: str) -> str | None:
    """Why an answer is not a success, or None when it is.

    Any 2xx is success for the generic channel. The robots answer 200 even when they refuse a
    message, with an error code in the body: WeCom and DingTalk ``errcode``, Feishu ``code``
    (older bots ``StatusCode``); 0 means accepted.
    """
    if not 200 <= status < 300:
        return f"HTTP {status}"
    if channel == WebhookChannel.GENERIC:
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return f"机器人的回答不是 JSON。 The robot's answer is not JSON: {body[:200]}"
    if not isinstance(answer, dict):
        return f"机器人的回答无法识别。 Unexpected robot answer: {body[:200]}"
    if channel in (WebhookChannel.WECOM, WebhookChannel.DINGTALK):
        code, text = answer.get("errcode"), answer.get("errmsg", "")
    else:
        code = answer.get("code", answer.get("StatusCode"))
        text = answer.get("msg", answer.get("StatusMessage", ""))
    if code == 0:
        return None
    return f"机器人拒绝了消息（错误码 {code}）。 The robot refused the message (code {code}): {text}"[:1000]
