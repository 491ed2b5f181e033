"""Any OpenAI-compatible endpoint. Errors and timeouts become `LLMUnavailable` so callers fall back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
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
                model=self.config.model, messages=messages, max_tokens=max_tokens, temperature=temperature
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
                model=self.config.model, messages=messages, max_tokens=max_tokens,
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
            response = self._client.embeddings.create(model=self.config.embedding_model, input=texts)
        except self._errors as exc:
            raise LLMUnavailable(_describe(exc)) from exc
        return [item.embedding for item in sorted(response.data, key=lambda item: item.index)]


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}{f' ({status})' if status else ''}"


def make_llm(settings) -> LLM | None:  # type: ignore[no-untyped-def]
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
