"""The chat robots: each request checked by a receiver written from the platform's published spec.

- WeCom group robot: POST JSON ``{"msgtype": "markdown", "markdown": {"content": ...}}`` to the
  robot's URL (``...?key=``); answers ``{"errcode": 0, "errmsg": "ok"}``.
- DingTalk custom robot, 加签: ``timestamp`` in milliseconds and ``sign`` appended to the URL, where
  sign = urlencode(base64(HmacSHA256(key=secret, message=timestamp + "\\n" + secret))); the body is
  ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; answers ``{"errcode": 0}``.
- Feishu/Lark custom bot, 签名校验: ``timestamp`` (seconds, a string) and ``sign`` in the JSON body,
  sign = base64(HmacSHA256(key=timestamp + "\\n" + secret, message="")); ``msg_type`` "text" with
  ``content.text``; answers ``{"code": 0, "msg": "success"}``.
"""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

import pytest

from crm import services
from crm.models import WebhookDelivery
from crm.webhooks.delivery import deliver_due
from tests.factories import AgreementFactory, ProjectFactory, UserFactory
from tests.webhooks.conftest import subscribe

pytestmark = pytest.mark.django_db

ROBOT_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


@pytest.fixture
def staff(db):
    return UserFactory(username="zhangwei", full_name="张伟", role="editor")


def sign_agreement(staff):
    project = ProjectFactory(name="第三代半导体项目", stage="negotiating", location="武进")
    agreement = AgreementFactory(title="第三代半导体项目投资协议", project=project, amount="1500000000.00")
    services.agreement_sign(agreement=agreement, user=staff)


def test_a_wecom_robot_gets_a_markdown_message_in_chinese(receiver, staff):
    receiver.default = (200, b'{"errcode":0,"errmsg":"ok"}')
    subscribe(f"{receiver.url}?key=693a91f6-7xxx", ["agreement.signed"], channel="wecom", secret="")
    sign_agreement(staff)
    deliver_due()

    [request] = receiver.requests
    assert request.query == {"key": ["693a91f6-7xxx"]}
    body = request.json()
    assert set(body) == {"msgtype", "markdown"}
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert "【签约】第三代半导体项目投资协议" in content
    assert "协议金额：15.00 亿元" in content
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_dingtalk_robot_gets_the_timestamp_and_signature_on_its_url(receiver, staff):
    receiver.default = (200, b'{"errcode":0,"errmsg":"ok"}')
    subscribe(f"{receiver.url}?access_token=abc123", ["agreement.signed"], channel="dingtalk", secret=ROBOT_SECRET)
    sign_agreement(staff)
    deliver_due()

    [request] = receiver.requests
    assert request.query["access_token"] == ["abc123"]
    [timestamp] = request.query["timestamp"]
    [sign] = request.query["sign"]  # parse_qs has URL-decoded it
    assert abs(int(timestamp) - time.time() * 1000) < 3600 * 1000  # milliseconds, within the hour
    string_to_sign = f"{timestamp}\n{ROBOT_SECRET}".encode()
    expected = base64.b64encode(hmac.new(ROBOT_SECRET.encode(), string_to_sign, hashlib.sha256).digest()).decode()
    assert sign == expected
    assert f"sign={quote_plus(expected)}" in request.raw_query  # sent URL-encoded
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("【签约】")
    assert "第三代半导体项目投资协议" in body["markdown"]["text"]


def test_a_feishu_bot_gets_the_timestamp_and_signature_in_its_body(receiver, staff):
    receiver.default = (200, b'{"code":0,"msg":"success","data":{}}')
    subscribe(f"{receiver.url}/open-apis/bot/v2/hook/xyz", ["agreement.signed"], channel="feishu", secret="fs-secret")
    sign_agreement(staff)
    deliver_due()

    [request] = receiver.requests
    body = request.json()
    timestamp = body["timestamp"]
    assert isinstance(timestamp, str) and abs(int(timestamp) - time.time()) < 3600  # seconds
    key = f"{timestamp}\nfs-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text"
    assert body["content"]["text"].startswith("【签约】第三代半导体项目投资协议")
    assert WebhookDelivery.objects.get().status == "delivered"


def test_robots_without_a_secret_send_no_signature(receiver, staff):
    receiver.default = (200, b'{"code":0,"errcode":0}')
    subscribe(f"{receiver.url}?access_token=t", ["agreement.signed"], channel="dingtalk", secret="")
    subscribe(f"{receiver.url}/feishu", ["agreement.signed"], channel="feishu", secret="", name="飞书群")
    sign_agreement(staff)
    deliver_due()
    dingtalk, feishu = sorted(receiver.requests, key=lambda r: r.path)
    assert set(dingtalk.query) == {"access_token"}
    assert "sign" not in feishu.json() and "timestamp" not in feishu.json()


@pytest.mark.parametrize(
    ("channel", "answer"),
    [
        ("wecom", b'{"errcode":93000,"errmsg":"invalid webhook url"}'),
        ("dingtalk", b'{"errcode":310000,"errmsg":"sign not match"}'),
        ("feishu", b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour"}'),
        ("feishu", b"<html>gateway</html>"),
    ],
)
def test_a_robot_that_answers_200_with_an_error_code_is_retried(receiver, staff, channel, answer):
    receiver.default = (200, answer)
    subscribe(receiver.url, ["agreement.signed"], channel=channel, secret="")
    sign_agreement(staff)
    result = deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert result["retried"] == 1
    assert (delivery.status, delivery.last_status_code) == ("pending", 200)
    assert delivery.last_error


def test_each_stage_change_reads_as_a_sentence_in_the_group(receiver, staff):
    receiver.default = (200, b'{"errcode":0,"errmsg":"ok"}')
    subscribe(receiver.url, ["project.stage_changed"], channel="wecom", secret="")
    project = ProjectFactory(name="低空经济产业园", stage="signed")
    services.project_change_stage(project=project, to_stage="construction", user=staff, reason="开工仪式")
    deliver_due()
    content = receiver.requests[0].json()["markdown"]["content"]
    assert "低空经济产业园进入“开工”阶段" in content
    assert "操作人：张伟" in content and "开工仪式" in content
