"""A TCP proxy on loopback that can fail the way a network in front of a database fails.

Put it between the bot and PostgreSQL (`database_url_through(proxy, url)`), then:
- `cut()`: close every connection and refuse new ones (the server went away);
- `reset()`: abort every connection with a TCP RST, then keep accepting (a restart);
- `blackhole()`: keep connections open but forward nothing either way, and accept new ones
  that never get an answer (a hung server, a partition behind a load balancer);
- `restore()`: forward again.
Real sockets, real drivers: nothing in the client is patched.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from sqlalchemy.engine import make_url

PASS, CUT, BLACKHOLE = "pass", "cut", "blackhole"


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._mode = PASS
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self.connections = 0  # how many client connections it accepted

    def start(self) -> "TcpProxy":
        self._thread.start()
        return self

    @property
    def mode(self) -> str:
        return self._mode

    def cut(self) -> None:
        self._mode = CUT
        self._close_all(rst=False)

    def reset(self) -> None:
        self._close_all(rst=True)

    def blackhole(self) -> None:
        self._mode = BLACKHOLE

    def restore(self) -> None:
        self._mode = PASS

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._close_all(rst=False)
        self._listener.close()

    def _close_all(self, *, rst: bool) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, upstream in pairs:
            for sock in (client, upstream):
                if sock is None:
                    continue
                try:
                    if rst:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    else:
                        sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            if self._mode == CUT:
                client.close()
                continue
            upstream = None
            if self._mode == PASS:
                try:
                    upstream = socket.create_connection(self._target, timeout=5)
                except OSError:
                    client.close()
                    continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), name="tcp-proxy-pump", daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket | None) -> None:
        selector = selectors.DefaultSelector()
        try:
            selector.register(client, selectors.EVENT_READ, upstream)
            if upstream is not None:
                selector.register(upstream, selectors.EVENT_READ, client)
            while not self._stop.is_set():
                for key, _events in selector.select(timeout=0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = source.recv(65536)
                    if not data:
                        return
                    if self._mode == PASS and key.data is not None:
                        key.data.sendall(data)
                    # BLACKHOLE (or a connection accepted while black-holed): swallowed.
        except (OSError, ValueError):
            return  # closed by cut()/reset(), or by the other end
        finally:
            selector.close()
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass


def database_url_through(proxy: TcpProxy, url: str) -> str:
    """The same PostgreSQL URL, reaching the server through the proxy."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def proxy_for(url: str) -> TcpProxy:
    parsed = make_url(url)
    return TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).start()
