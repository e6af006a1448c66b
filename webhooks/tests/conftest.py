"""Fixtures of the webhook tests: a live local receiver, allowed by WEBHOOK_ALLOWED_HOSTS,
with no waits between retries."""

import pytest

from webhooks import net

from .receiver import Receiver


@pytest.fixture
def receiver(settings):
    """A receiver on 127.0.0.1 (allowed as a target, D19's allow list) and instant retries."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    with Receiver() as receiver:
        yield receiver
    net.clients_close()
