"""Any OpenAI-compatible endpoint. Errors and timeouts become `LLMUnavailable` so callers fall back."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


log = logging.getLogger(__name__)


class LLMUnavailable(Exception):
    """The model could not answer in time; callers use their non-LLM path."""


@dataclass(frozen=True)
class LLMConfig:
    api_key: str
    model: str
    base_url: str | None = None
    embedding_model: str | None = None
    timeout_seconds: float = 8.0


class LLM:
    def __init__(self, config: LLMConfig) -> None:
        import openai  # imported here: it takes about two seconds, and most commands never need it

        self._errors = openai.OpenAIError
        self.config = config
        # One retry at most: callers have a user waiting and a fallback ready.
        self._client = openai.OpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            timeout=config.timeout_seconds,
            max_retries=1,
        )

    @property
    def embeddings_enabled(self) -> bool:
        return bool(self.config.embedding_model)

    def complete(self, messages: list[dict[str, str]], *, max_tokens: int = 700, temperature: float = 0.2) -> str:
        try:
            response = self._client.chat.completions.create(
                model=self.config.model, messages=outgoing(messages), max_tokens=max_tokens, temperature=temperature
            )
        except self._errors as exc:
            raise LLMUnavailable(_describe(exc)) from exc
        content = response.choices[0].message.content if response.choices else None
        if not content:
            raise LLMUnavailable("empty completion")
        return content

    def stream(self, messages: list[dict[str, str]], *, max_tokens: int = 700, temperature: float = 0.2) -> Iterator[str]:
        """Yield text deltas. Raises LLMUnavailable before the first delta or mid-stream."""
        try:
            stream = self._client.chat.completions.create(
                model=self.config.model, messages=outgoing(messages), max_tokens=max_tokens,
                temperature=temperature, stream=True,
            )
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except self._errors as exc:
            raise LLMUnavailable(_describe(exc)) from exc

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not self.config.embedding_model:
            raise LLMUnavailable("no embedding model configured")
        try:
            response = self._client.embeddings.create(model=self.config.embedding_model, input=[scrub_contacts(scrub_personal(t)) for t in texts])
        except self._errors as exc:
            raise LLMUnavailable(_describe(exc)) from exc
        return [item.embedding for item in sorted(response.data, key=lambda item: item.index)]


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}{f' ({status})' if status else ''}"


def make_llm(settings) -> LLM | None:
    if settings.openai_api_key is None:
        return None
    return LLM(
        LLMConfig(
            api_key=settings.openai_api_key.get_secret_value(),
            model=settings.openai_model,
            base_url=settings.openai_base_url,
            embedding_model=settings.openai_embedding_model,
            timeout_seconds=settings.openai_timeout_seconds,
        )
    )


# -- prompt hygiene, shared by every capability that calls the model -------------------------
_SLACK_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_SLACK_ID = re.compile(r"\b[UW](?=[A-Z0-9]*[0-9])[A-Z0-9]{6,}\b")  # ids hold a digit; WORKSHOP is a word
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# French numbers (06 12 34 56 78, +33 6 12 34 56 78, 06.12.34.56.78) and international ones
# (+44 20 7946 0958): a leading + or 0, then digit groups with separators.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,4}|0[1-9](?:[\s.-]?\d{2}){4})(?!\w)")


def scrub_contacts(text: str) -> str:
    """A member's e-mail address and phone number never reach the model."""
    return _PHONE.sub("[téléphone]", _EMAIL.sub("[e-mail]", text))


def scrub_personal(text: str, *, emails: bool = True) -> str:
    """No member's Slack id (a mention or a bare id) nor e-mail address goes to the model."""
    text = _SLACK_MENTION.sub("@membre", text)
    text = _SLACK_ID.sub("membre", text)
    return _EMAIL.sub("[e-mail]", text) if emails else text


def outgoing(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """What is sent: Slack ids scrubbed everywhere, e-mails in the data messages (the system
    message may quote an organisation's contact address from the knowledge)."""
    return [dict(m, content=scrub_personal(m["content"], emails=m.get("role") != "system"))
            if isinstance(m.get("content"), str) else m for m in messages]


# Every block name our prompts use to fence data off; any of them is removed from any data.
DELIMITERS = ("question", "questions", "conversation", "passages", "system", "facts")


def neutralise(text: str, tags: Iterable[str] = DELIMITERS) -> str:
    """Data text with look-alikes of our delimiters removed, whatever their disguise: Slack's
    HTML escaping (`&lt;/question&gt;`), full-width brackets, stray spaces or case."""
    text = unicodedata.normalize("NFKC", html.unescape(text or ""))
    names = "|".join(re.escape(tag) for tag in tags)
    return re.sub(rf"<\s*/?\s*({names})\s*/?\s*>", "", text, flags=re.IGNORECASE)


def _shingles(text: str, size: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


class PromptEcho:
    """Tells whether a model's reply quotes the instructions it was given (any run of `size`
    words of the prompt file), so a reply repeating the system prompt never reaches a member."""

    def __init__(self, prompt: str, size: int = 8) -> None:
        fixed = re.sub(r"\{[a-z_]+\}", " ", prompt)  # placeholders are filled with data, not rules
        self.size = size
        self._shingles = _shingles(fixed, size)

    def found_in(self, text: str) -> bool:
        return bool(self._shingles & _shingles(text, self.size))
