"""The Slack stand-in in its own process, for the benchmarks: `python -m bench.standin`.

It prints its URL on stdout, then serves until stdin closes. `bench.calls` (a method only this
subclass answers) returns the recorded Web API calls since an index, with the arrival time and
channel, so the parent process can time the bot's first visible sign without sharing its GIL.
"""

from __future__ import annotations

import sys
from typing import Any

from bench.payloads import BENCH_USERS
from bot.console.slack_standin import SlackStandin
from tests.support import populate_workspace


class BenchStandin(SlackStandin):
    def __init__(self) -> None:
        super().__init__()
        # The default backlog (5) resets connections when 16 worker threads post at once.
        self._httpd.socket.listen(128)

    def m_bench_calls(self, params: dict[str, Any], token: str) -> dict[str, Any]:
        since = int(params.get("since") or 0)
        with self._lock:
            calls = self.calls[since:]
            total = len(self.calls)
        found = []
        for call in calls:
            method = call.path.rsplit("/", 1)[-1]
            if method == "bench.calls":
                continue
            p = call.params
            found.append({"method": method, "at": call.at, "channel": p.get("channel") or p.get("channel_id")})
        return {"calls": found, "next": total}

    def route(self, call):
        response = super().route(call)
        if call.path.endswith("/bench.calls"):
            with self._lock:  # the polling itself is not a call of the bot's
                self.calls.remove(call)
        return response


def main() -> int:
    standin = BenchStandin().start()
    populate_workspace(standin)
    for index, user_id in enumerate(BENCH_USERS):
        standin.add_user(user_id, f"bench{index}", locale="en-US" if index % 4 == 0 else "fr-FR")
        standin.dm_channel(user_id)
    print(standin.url, flush=True)
    sys.stdin.read()  # the parent closes our stdin to stop us
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
