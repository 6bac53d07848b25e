"""Students without a browser: Streamlit sessions driven over the websocket, for load tests and benches.

Twenty Chromium tabs would spend two cores drawing charts instead of serving, so each student
here is a direct Streamlit session speaking the messages the browser's frontend speaks: open a
page, click a button, re-run the live fragment when the server asks for it. tests/browser/
test_classroom.py uses it, and so can a bench.

None of this is a public Streamlit API. It depends on these internals of Streamlit 1.67.0 (the
version requirements.txt pins); re-check every one on a Streamlit upgrade, and run
tests/browser/test_classroom.py, which fails when one of them has moved:
- the websocket endpoint `/_stcore/stream` with the subprotocol "streamlit", opened without an
  Origin header, which the server's origin check lets through with no XSRF token on the socket;
- the protobuf messages `streamlit.proto.BackMsg_pb2.BackMsg` (`rerun_script` with `page_name`,
  `page_script_hash`, `widget_states`, `fragment_id`, `is_auto_rerun`),
  `streamlit.proto.WidgetStates_pb2.WidgetState` (`id`, `trigger_value`) and
  `streamlit.proto.ForwardMsg_pb2.ForwardMsg` (`new_session.initialize.session_id`,
  `navigation.page_script_hash`, `delta.new_element` placed by `metadata.delta_path`,
  `auto_rerun` / `stop_auto_rerun` with `fragment_id` and `interval`, and `script_finished`, whose
  FINISHED_EARLY_FOR_RERUN status means another run follows);
- the widget id of a keyed widget, `$$ID-<hash>-<user key>`, read from its element;
- the upload endpoint `PUT /_stcore/upload_file/<session id>/<file id>`, multipart/form-data;
- the XSRF cookie `_streamlit_xsrf`, handed out by `GET /_stcore/health` and echoed in the
  `X-Xsrftoken` header of an upload.
"""

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

REPLY_SECONDS = 120.0  # the longest one run may take when 20 start together on 2 cores


class Student:
    """One browser tab's worth of Streamlit protocol: page runs, button clicks, fragment reruns."""

    def __init__(self, socket: ClientConnection, page: str):
        self.socket, self.page = socket, page
        self.session_id = ""
        self.elements: dict[tuple[int, ...], object] = {}  # delta path -> element proto
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.paths: dict[str, tuple[int, ...]] = {}  # user key -> where the widget is drawn
        self.page_hash = ""  # the page being shown, sent back with every rerun as the frontend does
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval) while the server asks for reruns
        self.run_seconds: list[float] = []  # each run, from request to script_finished
        self.exceptions: list[str] = []

    def open(self) -> None:
        self._run(page_name=self.page)

    def click(self, key: str) -> None:
        self._run(widgets=[WidgetState(id=self.widgets[key], trigger_value=True)])

    def tick(self) -> None:
        """What the frontend does every `run_every` seconds: re-run only the live fragment."""
        assert self.fragment is not None, "the page did not start a live fragment"
        self._run(fragment_id=self.fragment[0], is_auto_rerun=True)

    def step(self, prefix: str) -> int:
        """The "Step" metric of the training panel `prefix`: the first one drawn after its ▶ play button."""
        play = self.paths[f"{prefix}_play"]
        after = sorted((path, element.metric.body) for path, element in self.elements.items()
                       if element.WhichOneof("type") == "metric" and element.metric.label == "Step" and path > play)
        assert after, f"no Step metric after {prefix}_play"
        return int(after[0][1].replace(",", ""))

    def _run(self, widgets: list[WidgetState] = (), page_name: str = "", **client_state) -> None:
        message = BackMsg()
        message.rerun_script.page_name = page_name
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.widget_states.widgets.extend(widgets)
        for name, value in client_state.items():
            setattr(message.rerun_script, name, value)
        start = time.perf_counter()
        self.socket.send(message.SerializeToString())
        while not self._receive():
            pass
        self.run_seconds.append(time.perf_counter() - start)

    def _receive(self) -> bool:
        """Apply one message from the server; True once the requested run has finished."""
        message = ForwardMsg()
        message.ParseFromString(self.socket.recv(timeout=REPLY_SECONDS))
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._add(tuple(message.metadata.delta_path), message.delta.new_element)
        elif kind == "auto_rerun":
            self.fragment = (message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self.fragment = None
        return kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def _add(self, path: tuple[int, ...], element) -> None:
        self.elements[path] = element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        widget_id = getattr(getattr(element, kind), "id", "")
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]  # "$$ID-<hash>-<user key>"
            self.widgets[key], self.paths[key] = widget_id, path


@contextmanager
def classroom(url: str, page: str, count: int) -> Iterator[list[Student]]:
    """`count` students connected to the server (not yet on the page); disconnected afterwards."""
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    with ExitStack() as stack:
        yield [Student(stack.enter_context(connect(address, subprotocols=["streamlit"], open_timeout=REPLY_SECONDS,
                                                   max_size=None)),  # a page may send megabytes, as browsers accept
                       page) for _ in range(count)]


def together(students: list[Student], action: Callable[[Student], None]) -> float:
    """Every student does `action` at the same moment; the seconds until the last one is done."""
    errors: list[str] = []

    def act(student: Student) -> None:
        try:
            action(student)
        except Exception as error:  # handed to the calling thread, which owns the assertions
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=act, args=(student,)) for student in students]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return time.perf_counter() - start


def play_for(prefix: str, seconds: float) -> Callable[[Student], None]:
    """▶ play, then re-run the live fragment every `run_every` seconds as a browser does, then ⏸ pause."""

    def lesson(student: Student) -> None:
        student.click(f"{prefix}_play")
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            started = time.monotonic()
            student.tick()
            time.sleep(max(0.0, student.fragment[1] - (time.monotonic() - started)))
        student.click(f"{prefix}_pause")

    return lesson


def upload(url: str, session_id: str, size: int, token: str | None, headers_only: bool = False) -> int:
    """PUT a file of `size` bytes to the upload endpoint, as the frontend does; the HTTP status.

    With `headers_only`, only the headers go out: the server must refuse an oversize file from them.
    """
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    boundary = "playground"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="w.safetensors"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = b"" if headers_only else head + b"\0" * size + tail
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Content-Length": str(len(head) + size + len(tail))}
    if token is not None:
        headers |= {"X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"}
    connection.putrequest("PUT", f"/_stcore/upload_file/{session_id}/test-file")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    status = connection.getresponse().status
    connection.close()
    return status


def xsrf_token(url: str) -> str:
    """The XSRF cookie the server hands out with its health check (the frontend echoes it in a header)."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("GET", "/_stcore/health")
    cookies = connection.getresponse().headers.get_all("Set-Cookie") or []
    connection.close()
    return next(c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf="))
