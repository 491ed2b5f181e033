"""Members' words republished by the digest (in Slack and in the Mailchimp campaign) must not
act on the way out: no merge tag that Mailchimp would fill in (`*|EMAIL|*` would print each
reader's address), and no link whose label names another address than the one it opens."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_MERGE_TAG = re.compile(r"\*\|([^|*]{0,80})\|\*")
_OPENERS = re.compile(r"\*\||\|\*")
# Something a reader takes for an address: a scheme, "www.", or a dotted host name.
_LOOKS_LIKE_ADDRESS = re.compile(r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.)\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b")


def no_merge_tags(text: str) -> str:
    """`*|EMAIL|*` becomes `EMAIL`; a stray `*|` or `|*` loses its pipe."""
    return _OPENERS.sub("*", _MERGE_TAG.sub(lambda m: m.group(1), text))


def _host(address: str) -> str:
    if "://" not in address:
        address = "http://" + address
    host = (urlsplit(address).hostname or "").lower()
    return host.removeprefix("www.")


def honest_label(url: str, label: str | None) -> str | None:
    """The label, unless it names an address other than the link's own (then None: show the URL)."""
    if not label:
        return None
    target = _host(url)
    for shown in _LOOKS_LIKE_ADDRESS.findall(label):
        host = _host(shown.rstrip(".,;:!?)"))
        if host and host != target and not target.endswith("." + host):
            return None
    return label


def safe_text(text: str | None) -> str | None:
    return no_merge_tags(text) if text else text
