"""A loopback stand-in for the OpenAI-compatible endpoints the bot uses: chat completions
(plain and streamed), embeddings and the model list, under /v1.

Shapes follow OpenAI's OpenAPI spec and its documented examples (tests/fixtures/vendor/openai/).
Point the real client at it with
`openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)`.
"""

from __future__ import annotations

import array
import base64
import hashlib
import itertools
import json
import math
import re
import sys
import time
import unicodedata
from typing import Any, Callable, Iterator, Sequence

from bot.console.loopback import Fault, LoopbackServer, RecordedCall, Response

Responder = Callable[[list[dict[str, Any]]], str]
_WORD = re.compile(r"\w+")
_FAULT_ERRORS = {
    429: ("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request. Sorry about that!", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


def openai_error(
    status: int, message: str, type_: str, code: str | None = None, param: str | None = None
) -> Response:
    return Response(status, {"error": {"message": message, "type": type_, "param": param, "code": code}})


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def default_responder(messages: list[dict[str, Any]]) -> str:
    last_user = next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
    return f"Stand-in answer about: {last_user[:80]}"


def words(text: str) -> list[str]:
    """Lowercase word tokens with accents folded, so "Été" and "ete" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _WORD.findall(folded)


def embed(text: str, dimensions: int) -> list[float]:
    """A hashed bag of words, L2-normalised: texts sharing words get a high cosine similarity.

    Each word also gets a hashed sign so that collisions between unrelated words cancel out on
    average instead of always adding similarity.
    """
    vector = [0.0] * dimensions
    for word in words(text):
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


def split_for_stream(text: str) -> list[str]:
    """Word-sized pieces (leading space kept, like model tokens); at least two for any text
    longer than one character, so that tests can tell streaming from a single blob."""
    pieces = [piece for piece in re.split(r"(?=\s)", text) if piece] or [text]
    if len(pieces) == 1 and len(text) > 1:
        half = len(text) // 2
        pieces = [text[:half], text[half:]]
    return pieces


class OpenAIStandin(LoopbackServer):
    def __init__(
        self,
        *,
        chat_model: str = "gpt-4o-mini",
        embedding_model: str = "text-embedding-3-small",
        embedding_dimensions: int = 64,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.chat_model = chat_model
        self.embedding_model = embedding_model
        self.embedding_dimensions = embedding_dimensions
        # When set, only this key is accepted; otherwise any non-empty bearer token is.
        self.api_key = api_key
        self.responder: Responder = default_responder
        self.stream_delay = 0.0
        self._ids = itertools.count(1)

    # -- helpers for tests -----------------------------------------------------------------
    def prompts(self) -> list[list[dict[str, Any]]]:
        """The `messages` of every chat completion request received, faulted ones included."""
        calls = self.calls_to("/v1/chat/completions")
        return [call.json["messages"] for call in calls if isinstance(call.json, dict)]

    def last_prompt_text(self) -> str:
        """All message texts of the last chat completion request, one per line."""
        prompts = self.prompts()
        if not prompts:
            raise AssertionError("no chat completion request was received")
        return "\n".join(message_text(m) for m in prompts[-1])

    # -- serving ---------------------------------------------------------------------------
    def fault_body(self, fault: Fault) -> Response:
        message, type_, code = _FAULT_ERRORS.get(fault.status, ("Injected fault.", "server_error", None))
        return openai_error(fault.status, message, type_, code)

    def route(self, call: RecordedCall) -> Response:
        auth_error = self._check_auth(call.headers.get("authorization", ""))
        if auth_error is not None:
            return auth_error
        path = call.path.rstrip("/")
        if (call.method, path) == ("POST", "/v1/chat/completions"):
            return self._chat(call)
        if (call.method, path) == ("POST", "/v1/embeddings"):
            return self._embeddings(call)
        if (call.method, path) == ("GET", "/v1/models"):
            return self._models()
        return openai_error(404, f"Invalid URL ({call.method} {call.path})", "invalid_request_error")

    def _check_auth(self, header: str) -> Response | None:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return openai_error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
            )
        if self.api_key is not None and key != self.api_key:
            return openai_error(
                401, f"Incorrect API key provided: {key[:3]}***.", "invalid_request_error", "invalid_api_key"
            )
        return None

    def _chat(self, call: RecordedCall) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        if not body.get("model"):
            return openai_error(400, "you must provide a model parameter", "invalid_request_error")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return openai_error(
                400, "[] is too short - 'messages'", "invalid_request_error", "empty_array", "messages"
            )
        reply = self.responder(messages)
        completion_id = f"chatcmpl-standin{next(self._ids):06d}"
        created = int(time.time())
        usage = self._usage(sum(len(words(message_text(m))) for m in messages), len(words(reply)))
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = self._chunks(completion_id, created, body["model"], reply, usage if include_usage else None)
            return Response(200, stream=chunks)
        return Response(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply, "refusal": None, "annotations": []},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
                "service_tier": "default",
                "system_fingerprint": "fp_standin",
            },
        )

    def _chunks(
        self, completion_id: str, created: int, model: str, reply: str, usage: dict[str, Any] | None
    ) -> Iterator[bytes]:
        def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_standin",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }

        # The first chunk carries the role with empty content, as OpenAI's does.
        events = [chunk({"role": "assistant", "content": ""}, None)]
        events += [chunk({"content": piece}, None) for piece in split_for_stream(reply)]
        events.append(chunk({}, "stop"))
        if usage is not None:
            events.append({**chunk({}, None), "choices": [], "usage": usage})
        for index, event in enumerate(events):
            if index and self.stream_delay:
                time.sleep(self.stream_delay)
            yield f"data: {json.dumps(event)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    def _embeddings(self, call: RecordedCall) -> Response:
        body = call.json if isinstance(call.json, dict) else {}
        if not body.get("model"):
            return openai_error(400, "you must provide a model parameter", "invalid_request_error")
        raw = body.get("input")
        texts: Sequence[Any] = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        if not texts or not all(isinstance(text, str) and text for text in texts):
            # Token arrays are valid for OpenAI but the bot never sends them; refusing them
            # loudly beats embedding them wrongly.
            return openai_error(
                400,
                "'$.input' is invalid: expected a non-empty string or a list of non-empty strings.",
                "invalid_request_error",
                param="input",
            )
        dimensions = int(body.get("dimensions") or self.embedding_dimensions)
        # The openai client asks for base64 unless told otherwise, then decodes it itself.
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = embed(text, dimensions)
            encoded: str | list[float] = _to_base64(vector) if as_base64 else vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(words(text)) for text in texts)
        return Response(
            200,
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _models(self) -> Response:
        models = [
            {"id": model_id, "object": "model", "created": 1700000000, "owned_by": "system"}
            for model_id in dict.fromkeys([self.chat_model, self.embedding_model])
        ]
        return Response(200, {"object": "list", "data": models})

    @staticmethod
    def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
        # Word counts stand in for token counts: the bot only needs plausible, stable numbers.
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


def _to_base64(vector: list[float]) -> str:
    # OpenAI's base64 embeddings are little-endian float32.
    packed = array.array("f", vector)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()
