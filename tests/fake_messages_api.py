"""A scripted fake of Anthropic's Messages API, enough for the real Claude Code CLI to do a turn.

`claude -p` with this as ANTHROPIC_BASE_URL asks the model, runs the tools the model calls and
asks again. The script, for every request that offers tools (the main loop), by the number of
tool results since the prompt:

    0 -> a Write of WRITE_CONTENT to <work dir>/notes.txt
    1 -> an Edit of that file: EDIT_OLD becomes EDIT_NEW
    2 -> a final text (so does any request after a tool result that is an error)

Requests without tools (the client's side calls: titles, topics) get a short text. Every answer
carries the same `usage`, so the cost the client computes per call is known in advance:
see MAIN_LOOP_USAGE. Answers stream as server-sent events when the request asks for it, else
plain JSON. `POST /v1/messages/count_tokens` and `GET /v1/models` answer what the client
expects; anything else gets `200 {}`. Bound to 127.0.0.1; in-process, on a thread.
"""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

FILE_NAME = "notes.txt"
WRITE_CONTENT = "alpha\nbeta\ngamma\ndelta\n"
EDIT_OLD = "gamma\n"
EDIT_NEW = "gamma (edited)\nepsilon\nzeta\n"
# The usage every answer reports: the same for each call, so each call costs the same.
MAIN_LOOP_USAGE = {
    "input_tokens": 1000,
    "output_tokens": 200,
    "cache_creation_input_tokens": 4000,
    "cache_read_input_tokens": 20000,
}
MODELS = ("claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001")


class FakeMessagesAPI:
    """Start with `with FakeMessagesAPI(work_dir) as api:`; `api.url` is the base URL."""

    def __init__(self, work_dir: Path):
        self.work_dir = Path(work_dir)
        self.requests: list[dict] = []  # one summary per /v1/messages request (no bodies)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(_Handler):
            api = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}{next(self._ids):06d}fake"

    def plan(self, body: dict) -> tuple[str, list[dict], str]:
        """(kind, content blocks, stop reason) for one /v1/messages request."""
        tools = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
        if not tools:
            return "side", [{"type": "text", "text": "Notes file"}], "end_turn"
        results = _tool_results_since_prompt(body.get("messages") or [])
        path = str(self.work_dir / FILE_NAME)
        if results and results[-1].get("is_error"):
            return "final_after_error", [{"type": "text", "text": "That was not permitted."}], "end_turn"
        if len(results) == 0 and "Write" in tools:
            return "tool_use:Write", [
                {"type": "text", "text": f"I'll create {FILE_NAME}."},
                {"type": "tool_use", "id": self.next_id("toolu_01"), "name": "Write",
                 "input": {"file_path": path, "content": WRITE_CONTENT}},
            ], "tool_use"
        if len(results) == 1 and "Edit" in tools:
            return "tool_use:Edit", [
                {"type": "text", "text": "Now I'll edit it."},
                {"type": "tool_use", "id": self.next_id("toolu_01"), "name": "Edit",
                 "input": {"file_path": path, "old_string": EDIT_OLD, "new_string": EDIT_NEW}},
            ], "tool_use"
        return "final", [{"type": "text", "text": f"Done: {FILE_NAME} written and edited."}], "end_turn"


def _tool_results_since_prompt(messages: list[dict]) -> list[dict]:
    found: list[dict] = []
    for message in messages:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []
        results = [b for b in blocks if b.get("type") == "tool_result"]
        if not results:
            found = []  # a new prompt: the script starts again
        found.extend(results)
    return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: FakeMessagesAPI

    def log_message(self, format, *args) -> None:
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", self.api.next_id("req_011"))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.startswith("/v1/models"):
            models = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-09-29T00:00:00Z"}
                      for m in MODELS]
            self._json(200, {"data": models, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]})
        else:
            self._json(200, {})

    def do_POST(self) -> None:
        raw = self._body()
        path = self.path.split("?", 1)[0]
        if path == "/v1/messages/count_tokens":
            self._json(200, {"input_tokens": max(1, len(raw) // 4)})
            return
        if path != "/v1/messages":
            self._json(200, {})
            return
        body = json.loads(raw or b"{}")
        kind, blocks, stop = self.api.plan(body)
        model = body.get("model") or MODELS[0]
        message_id = self.api.next_id("msg_01")
        with self.api._lock:
            self.api.requests.append({"kind": kind, "model": model, "stream": bool(body.get("stream"))})
        usage = dict(MAIN_LOOP_USAGE, service_tier="standard")
        if not body.get("stream"):
            self._json(200, {"id": message_id, "type": "message", "role": "assistant", "model": model,
                             "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": usage})
            return
        self._stream(message_id, model, blocks, stop, usage)

    def _stream(self, message_id: str, model: str, blocks: list[dict], stop: str, usage: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def event(name: str, data: dict) -> None:
            payload = f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        event("message_start", {"type": "message_start", "message": {
            "id": message_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": dict(usage, output_tokens=1)}})
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                event("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "text", "text": ""}})
                event("content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": block["text"]}})
            else:
                event("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "tool_use", "id": block["id"],
                                                                "name": block["name"], "input": {}}})
                text = json.dumps(block["input"])
                for start in range(0, len(text), 50):
                    event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": {
                        "type": "input_json_delta", "partial_json": text[start:start + 50]}})
            event("content_block_stop", {"type": "content_block_stop", "index": index})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                "usage": {k: usage[k] for k in MAIN_LOOP_USAGE}})
        event("message_stop", {"type": "message_stop"})
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
