"""Students without a browser: Streamlit sessions driven over the websocket, for load tests and benches.

Thirty Chromium tabs would spend the cores drawing charts instead of serving, so each student
here is a direct Streamlit session speaking the messages the browser's frontend speaks: open a
page, click a button, re-run each live fragment on its own timer as the frontend does. Like a
browser, a student first asks the server's address for its cookies and sends them back on every
request, so behind `make class`'s load balancer it stays with one replica.
tests/browser/test_classroom.py and `python -m bench --only classroom` use it.

None of this is a public Streamlit API. It depends on these internals of Streamlit 1.67.0 (the
version requirements.txt pins); re-check every one on a Streamlit upgrade, and run
tests/browser/test_classroom.py, which fails when one of them has moved:
- the websocket endpoint `/_stcore/stream` with the subprotocol "streamlit", opened without an
  Origin header, which the server's origin check lets through with no XSRF token on the socket;
- the protobuf messages `streamlit.proto.BackMsg_pb2.BackMsg` (`rerun_script` with `page_name`,
  `page_script_hash`, `widget_states`, `fragment_id`, `is_auto_rerun`),
  `streamlit.proto.WidgetStates_pb2.WidgetState` (`id`, `trigger_value`) and
  `streamlit.proto.ForwardMsg_pb2.ForwardMsg` (`new_session.initialize.session_id`, whose
  `metadata.run.fragment_ids` is empty on a full run, when the frontend drops every fragment
  timer; `metadata.run.script_run_id`, which marks each element the run draws;
  `navigation.page_script_hash`, `delta.new_element` placed by `metadata.delta_path`, with
  `delta.fragment_id` naming the fragment that drew it;
  `auto_rerun` (`fragment_id`, `interval`: a timer, restarted only when its interval changes) and
  `stop_auto_rerun` (`fragment_ids`), and `script_finished`, whose FINISHED_EARLY_FOR_RERUN status
  means another run follows, and after whose FINISHED_SUCCESSFULLY (a full run) or
  FINISHED_FRAGMENT_RUN_SUCCESSFULLY the frontend removes what the run (or its fragments) drew
  before and did not draw again);
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
from dataclasses import dataclass
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

from deploy.replicas import health_seconds

REPLY_SECONDS = 120.0  # the longest one run may take when a class starts together on 2 cores
XSRF_COOKIE = "_streamlit_xsrf"


class Timer:
    """A fragment's `run_every`, as the frontend's setInterval keeps it: due every `interval` from its start."""

    def __init__(self, interval: float, now: float):
        self.interval, self.due = interval, now + interval

    def ran(self, started: float) -> None:
        """Runs are never stacked: ticks missed while one ran collapse into the one that follows at once."""
        while self.due <= started:
            self.due += self.interval


class Student:
    """One browser tab's worth of Streamlit protocol: page runs, button clicks, fragment reruns."""

    def __init__(self, socket: ClientConnection, page: str, cookies: dict[str, str]):
        self.socket, self.page, self.cookies = socket, page, cookies
        self.session_id = ""
        self.elements: dict[tuple[int, ...], object] = {}  # delta path -> element proto
        self.drawn_by: dict[tuple[int, ...], tuple[str, str]] = {}  # delta path -> (run id, fragment id)
        self.run_id, self.run_fragments = "", frozenset()  # the run being received, and the fragments it runs
        self.widgets: dict[str, str] = {}  # user key -> widget id
        self.paths: dict[str, tuple[int, ...]] = {}  # user key -> where the widget is drawn
        self.page_hash = ""  # the page being shown, sent back with every rerun as the frontend does
        self.timers: dict[str, Timer] = {}  # fragment id -> its auto-rerun timer, while the server asks for one
        self.run_seconds: list[float] = []  # each run, from request to script_finished
        self.refreshed_at: list[float] = []  # when each fragment rerun finished: what the student sees move
        self.playing = False  # between its ▶ and its ⏸ (set by `play_for`)
        self.exceptions: list[str] = []
        self.texts_seen: set[str] = set()  # every markdown text shown at some point, gone since or not

    def open(self) -> None:
        self._run(page_name=self.page)

    def click(self, key: str) -> None:
        self._run(widgets=[WidgetState(id=self.widgets[key], trigger_value=True)])

    def tick(self) -> None:
        """Wait for the next fragment timer to fire, then re-run that fragment as the frontend does."""
        assert self.timers, "the page did not start a live fragment"
        fragment, timer = min(self.timers.items(), key=lambda item: item[1].due)
        time.sleep(max(0.0, timer.due - time.monotonic()))
        started = time.monotonic()
        timer.ran(started)
        self._run(fragment_id=fragment, is_auto_rerun=True)
        self.refreshed_at.append(time.monotonic())

    def step(self, prefix: str) -> int:
        """The "Step" metric of the training panel `prefix`: the first one drawn after its ▶ play button."""
        play = self.paths[f"{prefix}_play"]
        drawn = list(self.elements.items())  # a copy: the student's own thread may be adding to it
        after = sorted((path, element.metric.body) for path, element in drawn
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
            self.run_id, self.run_fragments = message.metadata.run.script_run_id, frozenset(message.metadata.run.fragment_ids)
            if not self.run_fragments:  # a full run: the frontend drops every timer
                self.timers.clear()
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            path = tuple(message.metadata.delta_path)
            self.drawn_by[path] = (self.run_id, message.delta.fragment_id)
            self._add(path, message.delta.new_element)
        elif kind == "auto_rerun":
            fragment, interval = message.auto_rerun.fragment_id, message.auto_rerun.interval
            if fragment not in self.timers or self.timers[fragment].interval != interval:
                self.timers[fragment] = Timer(interval, time.monotonic())
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                self.timers.pop(fragment, None)
        elif kind == "script_finished" and message.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                                                         ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self._clear_stale()
        return kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def _clear_stale(self) -> None:
        """What the frontend does when a run ends: the elements it (a full run) or its fragments drew in an earlier
        run and did not draw again are removed, as a paused panel's charts leave the places its playing ones held."""
        stale = [path for path, (run, fragment) in self.drawn_by.items()
                 if run != self.run_id and (not self.run_fragments or fragment in self.run_fragments)]
        for path in stale:
            del self.elements[path], self.drawn_by[path]

    def _add(self, path: tuple[int, ...], element) -> None:
        self.elements[path] = element
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "markdown":
            self.texts_seen.add(element.markdown.body)
        widget_id = getattr(getattr(element, kind), "id", "")
        if widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]  # "$$ID-<hash>-<user key>"
            self.widgets[key], self.paths[key] = widget_id, path


def cookie_header(cookies: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())} if cookies else {}


def first_visit(url: str, cookies: dict[str, str] | None = None) -> dict[str, str]:
    """The cookies a browser holds after its first request: the XSRF token, and behind a balancer its replica."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=REPLY_SECONDS)
    connection.request("GET", "/_stcore/health", headers=cookie_header(cookies or {}))
    response = connection.getresponse()
    response.read()
    given = dict(line.split(";")[0].split("=", 1) for line in response.headers.get_all("Set-Cookie") or [])
    connection.close()
    return {**(cookies or {}), **given}


@contextmanager
def classroom(url: str, page: str, count: int) -> Iterator[list[Student]]:
    """`count` students connected to the server (not yet on the page), each with its cookies; disconnected after."""
    address = url.replace("http://", "ws://") + "/_stcore/stream"
    with ExitStack() as stack:
        students = []
        for _ in range(count):
            cookies = first_visit(url)
            socket = connect(address, subprotocols=["streamlit"], open_timeout=REPLY_SECONDS, max_size=None,
                             additional_headers=cookie_header(cookies))  # a page may send megabytes, as browsers accept
            students.append(Student(stack.enter_context(socket), page, cookies))
        yield students


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
    """▶ play, then re-run the live fragments on their timers as a browser does, then ⏸ pause."""

    def lesson(student: Student) -> None:
        student.click(f"{prefix}_play")
        student.playing, stop = True, time.monotonic() + seconds
        while time.monotonic() < stop:
            student.tick()
        student.playing = False
        student.click(f"{prefix}_pause")

    return lesson


@dataclass(frozen=True)
class Lesson:
    """What a class playing together saw: each student's steps and refresh gaps, the server's health and memory."""

    seconds: float  # the playing phase, from everybody's ▶ to the last ⏸
    steps: list[int]  # trained by each student during the lesson
    refresh_gaps: list[list[float]]  # seconds between each student's redraws, the first ones (start-up) left out
    health: list[float]  # seconds per health probe while they played
    memory: list[float]  # megabytes, sampled while they played
    lost: int  # students whose session was replaced, raised an exception, or never trained
    pause_seconds: list[float]  # each student's ⏸ click, from request to the end of the page's run
    together_seconds: float  # the steady part: every student had pressed ▶ and nobody ⏸ (0 if it never was)
    together_steps: list[int]  # trained by each student in it
    together_cpu_seconds: float  # the servers' CPU time in it

    @property
    def gaps(self) -> list[float]:
        return [gap for gaps in self.refresh_gaps for gap in gaps]


def play_together(students: list[Student], prefix: str, seconds: float, url: str, memory: Callable[[], float],
                  cpu_seconds: Callable[[], float] = lambda: 0.0, settle: int = 2) -> Lesson:
    """Every student presses ▶ on panel `prefix` at once and plays `seconds`, while the health endpoint at `url`,
    `memory()` and the servers' `cpu_seconds()` are probed; `settle` refreshes per student (the class's pace
    settling) are not counted among the refresh gaps."""
    before, sessions, seen = [s.step(prefix) for s in students], [s.session_id for s in students], \
        [len(s.refreshed_at) for s in students]
    health, megabytes, done, steady = [], [], [], []  # steady: (time, each student's step, CPU) while all play
    lesson = threading.Thread(target=lambda: done.append(together(students, play_for(prefix, seconds))))
    lesson.start()
    while lesson.is_alive():
        health.append(health_seconds(url, timeout=REPLY_SECONDS))
        megabytes.append(memory())
        if all(s.playing for s in students):
            steady.append((time.monotonic(), [s.step(prefix) for s in students], cpu_seconds()))
        time.sleep(0.25)
    lesson.join()
    assert done, "a student's lesson failed (see the thread's error above)"
    gaps = [[b - a for a, b in zip(s.refreshed_at[start + settle:], s.refreshed_at[start + settle + 1:])]
            for s, start in zip(students, seen)]
    steps = [s.step(prefix) - b for s, b in zip(students, before)]
    lost = sum(s.session_id != session or bool(s.exceptions) or trained <= 0
               for s, session, trained in zip(students, sessions, steps))
    (start, first, cpu), (end, last, cpu_end) = (steady[0], steady[-1]) if steady else ((0, steps, 0),) * 2
    return Lesson(done[0], steps, gaps, health, megabytes, lost, [s.run_seconds[-1] for s in students],
                  end - start, [b - a for a, b in zip(first, last)], cpu_end - cpu)


def upload(url: str, session_id: str, size: int, token: str | None, cookies: dict[str, str] | None = None,
           headers_only: bool = False) -> int:
    """PUT a file of `size` bytes to the upload endpoint, as the frontend does; the HTTP status.

    `token` goes in the X-Xsrftoken header and, with the other `cookies`, in the Cookie header.
    With `headers_only`, only the headers go out: the server must refuse an oversize file from them.
    """
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    boundary = "playground"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="w.safetensors"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = b"" if headers_only else head + b"\0" * size + tail
    jar = {name: value for name, value in (cookies or {}).items() if name != XSRF_COOKIE}
    if token is not None:
        jar[XSRF_COOKIE] = token
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
               "Content-Length": str(len(head) + size + len(tail)), **cookie_header(jar)}
    if token is not None:
        headers["X-Xsrftoken"] = token
    connection.putrequest("PUT", f"/_stcore/upload_file/{session_id}/test-file")
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    status = connection.getresponse().status
    connection.close()
    return status
