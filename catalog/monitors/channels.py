"""Sending an alert: a JSON POST to a webhook, or an e-mail through the SMTP server of the settings.

SMTP settings come from the environment: `CALIBER_SMTP_HOST`, `CALIBER_SMTP_PORT` (25),
`CALIBER_SMTP_FROM` (caliber@localhost), `CALIBER_SMTP_USER` and `CALIBER_SMTP_PASSWORD` (both optional),
`CALIBER_SMTP_STARTTLS` (`true` to upgrade the connection). A send returns None, or the error as text.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

TIMEOUT_SECONDS = 10


def send(channel: str, payload: dict[str, Any]) -> str | None:
    """Send `payload` to the channel named by its store key (`webhook:URL` or `email:a@x,b@y`)."""
    kind, _, target = channel.partition(":")
    try:
        if kind == "webhook":
            return _webhook(target, payload)
        if kind == "email":
            return _email(target.split(","), payload)
    except (OSError, smtplib.SMTPException, ValueError) as err:
        return f"{type(err).__name__}: {err}"[:500]
    return f"unknown channel kind {kind!r}"


def _webhook(url: str, payload: dict[str, Any]) -> str | None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "caliber-monitor"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code} from the webhook"
    return None if 200 <= status < 300 else f"HTTP {status} from the webhook"


def _email(to: list[str], payload: dict[str, Any]) -> str | None:
    host = os.environ.get("CALIBER_SMTP_HOST")
    if not host:
        return "no SMTP server: set CALIBER_SMTP_HOST (and CALIBER_SMTP_PORT, CALIBER_SMTP_FROM)"
    message = EmailMessage()
    message["From"] = os.environ.get("CALIBER_SMTP_FROM", "caliber@localhost")
    message["To"] = ", ".join(to)
    message["Subject"] = f"[Caliber] {payload['monitor']}: {payload['metric']} {payload['period']}"
    message.set_content(payload["message"] + "\n\n" + json.dumps(payload, ensure_ascii=False, indent=2))
    with smtplib.SMTP(host, int(os.environ.get("CALIBER_SMTP_PORT", "25")), timeout=TIMEOUT_SECONDS) as smtp:
        if os.environ.get("CALIBER_SMTP_STARTTLS", "").lower() == "true":
            smtp.starttls()
        user = os.environ.get("CALIBER_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("CALIBER_SMTP_PASSWORD", ""))
        smtp.send_message(message)
    return None
