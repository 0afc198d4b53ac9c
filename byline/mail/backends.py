"""E-mail backends of our own: the demo's `.eml` files.

Everything else (SMTP, or an e-mail service through django-anymail) is one of Django's or anymail's
backends, chosen by `EMAIL_BACKEND`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


def mail_dir() -> Path:
    return Path(getattr(settings, "MAIL_DIR", None) or Path(settings.VAR_DIR) / "mail")


class EmlFileBackend(BaseEmailBackend):
    """Writes each message as one `.eml` file under `MAIL_DIR` (`var/mail/` by default), the bytes an SMTP
    server would have received, so a person can open what a reader would get (the staff page lists them).

    Each file is written under a temporary name and renamed into place, so a reader of the folder never
    sees half a message, and the name starts with the time, so a plain listing is in sending order."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = mail_dir()
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            partial = folder / f".{name}.part"
            partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
            os.replace(partial, folder / name)
            sent += 1
        return sent
