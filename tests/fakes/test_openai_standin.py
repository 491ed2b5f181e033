"""The OpenAI stand-in, driven through the real openai client."""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import openai
import pytest

from tests.fakes.openai_standin import OpenAIStandin

EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "openai" / "examples"
MESSAGES = [
    {"role": "system", "content": "You summarise Slack threads."},
    {"role": "user", "content": "What did we decide about the March newsletter?"},
]


@pytest.fixture
def server() -> Iterator[OpenAIStandin]:
    with OpenAIStandin(api_key="test") as standin:
        yield standin


def connect(server: OpenAIStandin, **options: Any) -> openai.OpenAI:
    api_key = options.pop("api_key", "test")
    return openai.OpenAI(base_url=server.url + "/v1", api_key=api_key, max_retries=0, **options)


@pytest.fixture
def client(server: OpenAIStandin) -> openai.OpenAI:
    return connect(server, timeout=5)


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.hypot(*a) * math.hypot(*b))


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value, list items merged, e.g. "choices[].message.role"."""
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            paths |= {f"{prefix}{key}"} | key_paths(item, f"{prefix}{key}.")
        return paths
    if isinstance(value, list):
        return set().union(*(key_paths(item, prefix.rstrip(".") + "[].") for item in value))
    return set()


def test_completion_text_is_the_responders(client: openai.OpenAI, server: OpenAIStandin) -> None:
    server.responder = lambda messages: f"{len(messages)} messages; last: {messages[-1]['content']}"

    completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert completion.choices[0].message.content == (
        "2 messages; last: What did we decide about the March newsletter?"
    )
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-4o-mini"
    assert completion.usage is not None
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens > 0


def test_default_responder_is_deterministic(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    second = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert first.choices[0].message.content == second.choices[0].message.content
    assert "March newsletter" in (first.choices[0].message.content or "")
    assert first.id != second.id


def test_streaming_reassembles_the_same_text_over_several_chunks(
    client: openai.OpenAI, server: OpenAIStandin
) -> None:
    server.responder = lambda messages: "We agreed to send it on Tuesday."

    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)

    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 2
    assert "".join(pieces) == "We agreed to send it on Tuesday."
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7


def test_responses_carry_every_key_of_openais_examples(client: openai.OpenAI) -> None:
    vendor_completion = json.loads((EXAMPLES / "chat_completions.default.response.json").read_text())
    vendor_chunks = [
        json.loads(line)
        for line in (EXAMPLES / "chat_completions.streaming.response.chunks.txt").read_text().splitlines()
        if line.startswith("{")
    ]

    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    assert key_paths(vendor_completion) <= key_paths(json.loads(raw.http_response.text))

    streamed = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    lines = [line for line in streamed.http_response.read().decode().splitlines() if line]
    assert lines[-1] == "data: [DONE]"
    our_chunks = [json.loads(line.removeprefix("data: ")) for line in lines if line.startswith("data: {")]
    assert key_paths(vendor_chunks[0]) <= key_paths(our_chunks[0])
    assert set().union(*map(key_paths, vendor_chunks)) <= set().union(*map(key_paths, our_chunks))


def test_embeddings_put_related_texts_closer(client: openai.OpenAI) -> None:
    texts = [
        "Newsletter for March: volunteers wanted",
        "volunteers wanted for the March newsletter",
        "Quarterly budget spreadsheet attached",
    ]

    result = client.embeddings.create(model="text-embedding-3-small", input=texts)

    vectors = [item.embedding for item in result.data]
    assert [item.index for item in result.data] == [0, 1, 2]
    assert all(len(v) == 64 and math.isclose(math.hypot(*v), 1.0, rel_tol=1e-5) for v in vectors)
    assert cosine(vectors[0], vectors[1]) > 0.9 > 0.5 > cosine(vectors[0], vectors[2])
    assert result.usage.prompt_tokens == 15


def test_embeddings_fold_accents_and_agree_across_encodings(client: openai.OpenAI) -> None:
    # The client asks for base64 by default and decodes it; "float" is the JSON list path.
    as_base64 = client.embeddings.create(model="text-embedding-3-small", input="Réunion d'été")
    as_floats = client.embeddings.create(
        model="text-embedding-3-small", input="reunion d ete", encoding_format="float"
    )

    assert cosine(as_base64.data[0].embedding, as_floats.data[0].embedding) == pytest.approx(1.0, abs=1e-6)


def test_models_lists_the_configured_models(client: openai.OpenAI) -> None:
    assert [model.id for model in client.models.list()] == ["gpt-4o-mini", "text-embedding-3-small"]


def test_500_fault_is_internal_server_error_then_recovers(client: openai.OpenAI, server: OpenAIStandin) -> None:
    server.fail("/v1/chat/completions", status=500)

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.status_code == 500
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "server_error"
    assert client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES).choices[0].message.content


def test_429_fault_is_rate_limit_error_with_retry_after(client: openai.OpenAI, server: OpenAIStandin) -> None:
    server.fail("/v1/chat/completions", status=429, retry_after=1)

    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"


def test_timeout_fault_is_api_timeout_error(server: OpenAIStandin) -> None:
    impatient = connect(server, timeout=0.5)
    server.fail("/v1/chat/completions", kind="timeout", delay=1.5)

    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert time.monotonic() - started < 1.4
    assert len(server.calls_to("/v1/chat/completions")) == 1


def test_prompts_records_each_requests_messages(client: openai.OpenAI, server: OpenAIStandin) -> None:
    follow_up = [
        *MESSAGES,
        {"role": "assistant", "content": "Tuesday."},
        {"role": "user", "content": "Which one?"},
    ]

    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    client.chat.completions.create(model="gpt-4o-mini", messages=follow_up)

    assert server.prompts() == [MESSAGES, follow_up]
    assert server.last_prompt_text().splitlines() == [m["content"] for m in follow_up]


def test_wrong_or_missing_key_is_401(server: OpenAIStandin) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        connect(server, api_key="wrong").models.list()
    assert caught.value.code == "invalid_api_key"

    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server.url + "/v1/models", timeout=5)
    assert missing.value.code == 401
    assert json.loads(missing.value.read())["error"]["type"] == "invalid_request_error"


def test_stream_delay_spaces_out_the_chunks(client: openai.OpenAI, server: OpenAIStandin) -> None:
    server.responder = lambda messages: "one two three"
    server.stream_delay = 0.03

    arrivals = []
    for _ in client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
        arrivals.append(time.monotonic())

    # Role chunk, three words and the stop chunk: four gaps of at least 30 ms.
    assert len(arrivals) == 5
    assert arrivals[-1] - arrivals[0] >= 0.1
