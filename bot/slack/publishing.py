"""The Slack side of the domain's publishing interfaces: the digest workflow, the café
announcements and reminders, and the welcome DM post through these, which render with the
Block Kit builders. Built once, in the composition root (bot.core.services)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.cafe.values import CafeInfo
from bot.digest.content import DigestContent
from bot.digest.texts import DIGEST
from bot.slack.blocks import Block, sections
from bot.slack.blocks.cafe import announcement, reminder_blocks, reminder_text
from bot.slack.blocks.digest import digest_blocks, preview_blocks, retry_blocks


class SlackDigestPublisher:
    """bot.digest.workflow.DigestPublisher on the Web API."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _post(self, channel: str, text: str, blocks: list[Block], thread_ts: str | None = None) -> str | None:
        kwargs = {"thread_ts": thread_ts} if thread_ts else {}
        return self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False, **kwargs)["ts"]

    def post_preview(self, channel: str, content: DigestContent, view: dict[str, Any]) -> str | None:
        return self._post(channel, DIGEST("preview_title", "fr", week=content.iso_week), preview_blocks(content, view))

    def update_preview(self, channel: str, ts: str, content: DigestContent, view: dict[str, Any]) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=DIGEST("preview_title", "fr", week=content.iso_week),
                                blocks=preview_blocks(content, view))

    def post_digest(self, channel: str, content: DigestContent) -> str | None:
        return self._post(channel, content.subject, digest_blocks(content))

    def tell_staff(self, channel: str, thread_ts: str | None, week: str, text: str) -> None:
        self._post(channel, text, retry_blocks(text, week, "fr"), thread_ts)

    def rendered(self, content: DigestContent) -> list[Block]:
        return digest_blocks(content)


class SlackCafePublisher:
    """bot.cafe.notify.CafePublisher on the Web API."""

    def __init__(self, client: Any, tz: ZoneInfo) -> None:
        self.client, self.tz = client, tz

    def announce(self, cafe: CafeInfo) -> tuple[str, str]:
        text, blocks = announcement(cafe, self.tz)
        response = self.client.chat_postMessage(channel=cafe.announce_channel, text=text, blocks=blocks)
        return response["channel"], response["ts"]

    def update_announcement(self, cafe: CafeInfo) -> None:
        text, blocks = announcement(cafe, self.tz)
        self.client.chat_update(channel=cafe.announcement_channel, ts=cafe.announcement_ts, text=text, blocks=blocks)

    def remind(self, kind: str, cafe: CafeInfo) -> None:
        in_thread = cafe.announcement_ts and cafe.announcement_channel == cafe.announce_channel
        thread = {"thread_ts": cafe.announcement_ts, "reply_broadcast": True} if in_thread else {}
        self.client.chat_postMessage(channel=cafe.announce_channel, text=reminder_text(kind, cafe, self.tz),
                                     blocks=reminder_blocks(kind, cafe, self.tz), **thread)


class SlackDirectMessage:
    """A text in the person's DM (the welcome): bot.growth.welcome.DirectMessage."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __call__(self, user_id: str, text: str) -> None:
        self.client.chat_postMessage(channel=user_id, text=text, blocks=sections(text))


@dataclass(frozen=True)
class Publishers:
    digest: SlackDigestPublisher
    cafe: SlackCafePublisher
    direct_message: SlackDirectMessage


def slack_publishers(client: Any, tz: ZoneInfo) -> Publishers:
    return Publishers(SlackDigestPublisher(client), SlackCafePublisher(client, tz), SlackDirectMessage(client))
