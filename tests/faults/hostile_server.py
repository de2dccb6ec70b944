"""A loopback HTTP server that misbehaves on purpose, one behaviour per path prefix, written
on raw sockets so nothing in a server library tidies up what it sends."""

from __future__ import annotations

import gzip
import io
import json
import socket
import threading
import time
from typing import Callable


def gzip_bomb(decoded_mb: int) -> bytes:
    """~1 MB of gzip that inflates to `decoded_mb` MB of JSON-looking bytes."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(b"[")
        block = b" " * (1024 * 1024)
        for _ in range(decoded_mb):
            gz.write(block)
    return out.getvalue()


class HostileServer:
    """`behaviours` maps a path prefix to a function(send, path) that writes a whole answer."""

    def __init__(self, behaviours: dict[str, Callable[[Callable[[bytes], None], str], None]]):
        self.behaviours = behaviours
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests: list[str] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            path = head.split(b" ", 2)[1].decode()
            self.requests.append(path)
            for prefix, behave in sorted(self.behaviours.items(), key=lambda kv: -len(kv[0])):
                if path.startswith(prefix):
                    behave(conn.sendall, path)
                    break
            else:
                json_answer(conn.sendall, {"error": "not here"}, status=404)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


def json_answer(send: Callable[[bytes], None], data: object, status: int = 200, headers: str = "") -> None:
    body = json.dumps(data).encode()
    send(f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
         f"Connection: close\r\n{headers}\r\n".encode() + body)


def trickle(send: Callable[[bytes], None], _: str) -> None:
    """A valid JSON answer, a byte a second."""
    body = b'{"id": "1", "username": "alice", "acct": "alice"}' + b" " * 1000
    send(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode())
    for byte in body:
        send(bytes([byte]))
        time.sleep(1.0)


def endless_chunked(send: Callable[[bytes], None], _: str) -> None:
    send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    send(b"1\r\n[\r\n")
    piece = b'{"a": "' + b"x" * 4000 + b'"},'
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    while True:
        send(frame)


def huge_json(gigabytes: float) -> Callable[[Callable[[bytes], None], str], None]:
    def behave(send: Callable[[bytes], None], _: str) -> None:
        total = int(gigabytes * 1024 ** 3)
        send(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {total}\r\n\r\n".encode())
        piece = b'{"id": "1", "content": "' + b"y" * 65000 + b'"},'
        sent = 0
        send(b"[")
        sent += 1
        while sent + len(piece) < total:
            send(piece)
            sent += len(piece)
        send(b" " * (total - sent - 1) + b"]")
    return behave


def bomb(payload: bytes) -> Callable[[Callable[[bytes], None], str], None]:
    def behave(send: Callable[[bytes], None], _: str) -> None:
        send(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
             f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    return behave


def many_objects(count: int) -> Callable[[Callable[[bytes], None], str], None]:
    body = b"[" + b"{}," * count + b"{}]"

    def behave(send: Callable[[bytes], None], _: str) -> None:
        send(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
             + body)
    return behave
