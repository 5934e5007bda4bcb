"""Channels: how Tocsin delivers a message to a user's contact method.

One module per channel (``email`` over SMTP, ``webhook`` over HTTP), all behind the small
``Channel`` interface of ``base``; ``registry.channel_for`` picks the one for a contact
method's type from the settings. Contact verification uses them today; the notification
engine will send pages through the same classes.
"""

from tocsin.notify.channels.base import (
    Channel,
    ChannelError,
    ChannelNotConfigured,
    ContactMethod,
    DeliveryFailed,
    InvalidAddress,
    PermanentFailure,
)
from tocsin.notify.channels.registry import channel_for

__all__ = [
    "Channel",
    "ChannelError",
    "ChannelNotConfigured",
    "ContactMethod",
    "DeliveryFailed",
    "InvalidAddress",
    "PermanentFailure",
    "channel_for",
]
