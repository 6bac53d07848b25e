r"""Fair shares of one server process when a whole class trains at once.

One Python process trains on about one core: its threads take turns holding the GIL. When
twenty students each train a wall-clock slice at the same moment, the slices mostly wait for
each other, and every redraw of their charts takes from everybody's training. This scheduler,
one per server process and shared by every session, makes the sharing explicit:

- at most `slots` trainers run in torch at once (default one: one process, one core);
- turns are granted first come, first served, and a session asks again only after its turn
  and its redraw, so the sessions that are playing are served round-robin;
- a turn is a slice of CPU time (`time.thread_time`), so a redraw in another thread does not
  shorten anybody's share of the work; when other programs crowd the machine out, a slice
  still ends after `max_wall_ratio` times its length in wall time, so clicks never wait long;
- with n sessions playing, a session whose redraw costs d seconds of CPU refreshes every

      T = max(T_1, \frac{n d}{s c})        T_1: a lone student's refresh, s: the share of the
                                           CPU redrawing may take, c: slots

  and trains for q = c T / n - d per refresh. Redraws then take at most s of the CPU however
  many students play (each takes d / T ≤ s / n), and n sessions × (q + d) fill the c cores'
  T seconds: every session gets an equal 1/n.
- a lone student trains T_1 (1 - i) - d of every T_1 and leaves a share i idle: a browser asks
  for its next refresh every T_1 whether or not the last one has ended, and runs that last
  their whole T_1 make each request wait for the run before, so that refreshes come at the
  runs' pace, not T_1's (measured with i = 0: 1.8 to 1.9 a second instead of 2). With others
  playing, their turns fill the CPU and refreshes come at T, not T_1, anyway.

A session counts as playing while its refreshes keep coming; one that misses a few (a closed
tab) stops counting by itself. Nothing here knows Streamlit: a session is any hashable key.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ShareConfig:
    slots: int = 1  # c: trainers in torch at once; a Python process trains on about one core
    refresh_seconds: float = 0.5  # T_1: a lone student's charts redraw twice a second
    draw_share: float = 0.3  # s: the most of the CPU that redrawing may take
    idle_share: float = 0.05  # i: the part of a lone student's refresh left free, so the browser's timer sets the pace
    min_slice_seconds: float = 0.01  # a turn never trains less: each turn has its bookkeeping
    refresh_step_seconds: float = 0.1  # T is rounded up to a multiple: a browser restarts its timer on a change
    missed_refreshes: float = 4.0  # a session silent for this many refreshes no longer counts as playing,
    silent_seconds: float = 10.0  # nor for less than this: on an overloaded server refreshes come late
    first_draw_seconds: float = 0.03  # d until a session's first redraw has been measured
    draw_memory: float = 0.7  # weight of the old estimate when a redraw is measured (moving average)
    max_wall_ratio: float = 2.0  # a slice of q CPU seconds ends after at most this × q of wall time

    def __post_init__(self):
        if self.slots < 1:
            raise ValueError("slots must be at least 1")
        if not 0 < self.draw_share < 1:
            raise ValueError("draw_share must lie strictly between 0 and 1")
        if not 0 <= self.idle_share < 1:
            raise ValueError("idle_share must lie in [0, 1)")
        if not 0 <= self.draw_memory < 1:
            raise ValueError("draw_memory must lie in [0, 1)")
        if min(self.refresh_seconds, self.min_slice_seconds, self.refresh_step_seconds, self.missed_refreshes,
               self.silent_seconds, self.first_draw_seconds) <= 0:
            raise ValueError("times and counts must be positive")
        if self.max_wall_ratio < 1:
            raise ValueError("max_wall_ratio must be at least 1: a CPU second takes at least a wall second")


@dataclass(frozen=True)
class Pace:
    """What a session does per refresh: train `slice_seconds` of CPU, then redraw, every `refresh_seconds`."""

    players: int  # sessions playing in this process, this one included
    refresh_seconds: float
    slice_seconds: float


@dataclass
class _Player:
    seen: float  # when it last asked for its pace
    refresh_seconds: float
    draw_seconds: float


class FairScheduler:
    """Turns and paces for every session of one process (thread-safe; `clock` is injectable for tests)."""

    def __init__(self, config: ShareConfig = ShareConfig(), clock: Callable[[], float] = time.monotonic):
        self.config, self.clock = config, clock
        self._lock = threading.Lock()
        self._players: dict[Hashable, _Player] = {}
        self._queue: deque[threading.Event] = deque()  # sessions waiting for a slot, oldest first
        self._training = 0  # turns in progress

    def pace(self, player: Hashable) -> Pace:
        """Count `player` as playing until it falls silent, and say how often it refreshes and how long it trains."""
        with self._lock:
            now = self.clock()
            self._forget_silent(now)
            entry = self._players.setdefault(player, _Player(now, self.config.refresh_seconds,
                                                             self.config.first_draw_seconds))
            pace = paced(self.config, len(self._players), entry.draw_seconds)
            entry.seen, entry.refresh_seconds = now, pace.refresh_seconds
            return pace

    def drew(self, player: Hashable, seconds: float) -> None:
        """A redraw of `player` took `seconds` of CPU: it moves the estimate d of its redraws."""
        with self._lock:
            entry = self._players.get(player)
            if entry is not None:
                memory = self.config.draw_memory
                entry.draw_seconds = memory * entry.draw_seconds + (1 - memory) * seconds

    def leave(self, player: Hashable) -> None:
        """`player` paused: the others' paces count one session fewer at once."""
        with self._lock:
            self._players.pop(player, None)

    @property
    def players(self) -> int:
        with self._lock:
            self._forget_silent(self.clock())
            return len(self._players)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for a training slot, first come first served, and hold it for the `with` block.

        A slot that frees up is handed straight to the longest-waiting session: only that one wakes.
        """
        with self._lock:
            granted = self._training < self.config.slots and not self._queue
            if granted:
                self._training += 1
            else:
                handed = threading.Event()
                self._queue.append(handed)
        if not granted:
            try:
                handed.wait()
            except BaseException:  # interrupted while waiting: leave the queue, or pass on a slot just handed over
                with self._lock:
                    if handed in self._queue:
                        self._queue.remove(handed)
                    else:
                        self._release()
                raise
        try:
            yield
        finally:
            with self._lock:
                self._release()

    def _release(self) -> None:
        """Free a slot (the lock held): to the next in the queue if any, else for whoever comes."""
        if self._queue:
            self._queue.popleft().set()
        else:
            self._training -= 1

    def slice_clock(self) -> Callable[[], float]:
        """A clock for `Trainer.run_for`, started now: this thread's CPU seconds, or wall seconds / max_wall_ratio
        when those run ahead (the machine is busy with other programs), whichever is later."""
        cpu, wall, ratio = time.thread_time(), time.perf_counter(), self.config.max_wall_ratio
        return lambda: max(time.thread_time() - cpu, (time.perf_counter() - wall) / ratio)

    def _forget_silent(self, now: float) -> None:
        silent = [player for player, entry in self._players.items() if now - entry.seen > max(
            self.config.missed_refreshes * entry.refresh_seconds, self.config.silent_seconds)]
        for player in silent:
            del self._players[player]


def paced(config: ShareConfig, players: int, draw_seconds: float) -> Pace:
    """T = max(T_1, n·d / (s·c)), rounded up to a refresh step, and q = c·T / n − d, or T_1·(1 − i) − d for a
    lone student (at least the minimum slice)."""
    wanted = max(config.refresh_seconds, players * draw_seconds / (config.draw_share * config.slots))
    step = config.refresh_step_seconds
    refresh = max(config.refresh_seconds, math.ceil(wanted / step - 1e-9) * step)
    busy = config.slots * refresh * (1 - config.idle_share if players == 1 else 1)
    slice_seconds = max(config.min_slice_seconds, busy / players - draw_seconds)
    return Pace(players, refresh, slice_seconds)
