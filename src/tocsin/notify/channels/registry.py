"""Which channel delivers to which type of contact method, given this process's settings."""

from __future__ import annotations

from tocsin.notify.channels.apprise_channel import AppriseChannel
from tocsin.notify.channels.base import Channel, ChannelNotConfigured
from tocsin.notify.channels.email import EmailChannel, SmtpConfig
from tocsin.notify.channels.slack import SlackChannel
from tocsin.notify.channels.webhook import WebhookChannel
from tocsin.settings import Settings

# Contact method types users may list (world file) that no channel can deliver to yet.
NOT_YET_AVAILABLE = ("sms", "voice", "push")


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings in force, or None when email is not configured."""
    if not settings.smtp_host or not settings.smtp_from:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def smtp_relays(settings: Settings) -> list[SmtpConfig]:
    """The SMTP relays to try in order: ``TOCSIN_SMTP_*``, then ``TOCSIN_SMTP_FALLBACK_*``
    (same sender); empty when email is not configured."""
    first = smtp_config(settings)
    if first is None:
        return []
    if not settings.smtp_fallback_host:
        return [first]
    second = SmtpConfig(
        host=settings.smtp_fallback_host,
        port=settings.smtp_fallback_port,
        sender=first.sender,
        username=settings.smtp_fallback_username,
        password=settings.smtp_fallback_password,
        starttls=settings.smtp_fallback_starttls,
    )
    return [first, second]


def channel_for(method_type: str, settings: Settings) -> Channel:
    """The channel that delivers to ``method_type``; ChannelNotConfigured when none can."""
    if method_type == "webhook":
        return WebhookChannel()
    if method_type == "slack":
        return SlackChannel()
    if method_type == "apprise":
        return AppriseChannel()
    if method_type == "email":
        config = smtp_config(settings)
        if config is None:
            raise ChannelNotConfigured(
                "the email channel is not configured: set TOCSIN_SMTP_HOST and TOCSIN_SMTP_FROM"
            )
        return EmailChannel(config)
    if method_type in NOT_YET_AVAILABLE:
        raise ChannelNotConfigured(
            f"the {method_type} channel is not available yet: "
            "use an apprise contact method (an Apprise URL reaches SMS, voice and push "
            "services), or email, webhook or slack"
        )
    raise ChannelNotConfigured(f"no channel delivers to contact methods of type {method_type!r}")
