"""The fair-share scheduler: the refresh formula, equal shares between sessions, a lone session's rate."""

import threading
import time
from collections import Counter

import pytest

from playground.scheduler import FairScheduler, ShareConfig, paced

CONFIG = ShareConfig()  # T_1 = 0.5 s, s = 0.3, one slot


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_lone_session_refreshes_twice_a_second_and_trains_all_but_its_redraw_and_the_idle_share():
    pace = paced(CONFIG, players=1, draw_seconds=0.02)
    assert pace.refresh_seconds == 0.5 and pace.slice_seconds == pytest.approx(0.5 * 0.95 - 0.02)
    assert paced(ShareConfig(idle_share=0), 1, 0.02).slice_seconds == pytest.approx(0.48)


@pytest.mark.parametrize("players", [1, 2, 5, 15, 30, 200])
@pytest.mark.parametrize("draw_seconds", [0.005, 0.02, 0.05])
def test_redraws_stay_within_their_share_and_every_session_gets_one_nth(players, draw_seconds):
    """T = max(T_1, n·d/s), q = T/n − d: n redraws take ≤ s of the CPU, n·(q + d) fill T (a lone student's
    T but its idle share)."""
    pace = paced(CONFIG, players, draw_seconds)
    assert pace.refresh_seconds >= CONFIG.refresh_seconds
    assert players * draw_seconds / pace.refresh_seconds <= CONFIG.draw_share + 1e-9
    wanted = max(CONFIG.refresh_seconds, players * draw_seconds / CONFIG.draw_share)
    assert pace.refresh_seconds - wanted < CONFIG.refresh_step_seconds + 1e-9  # rounded up to a step, no more
    share = (pace.slice_seconds + draw_seconds) / pace.refresh_seconds
    busy = 1 - CONFIG.idle_share if players == 1 else 1
    assert share == pytest.approx(busy / players) or pace.slice_seconds == CONFIG.min_slice_seconds


def test_the_refresh_interval_grows_with_the_class_and_the_slice_never_vanishes():
    refreshes = [paced(CONFIG, n, 0.02).refresh_seconds for n in (1, 5, 10, 20, 40)]
    assert refreshes == pytest.approx([0.5, 0.5, 0.7, 1.4, 2.7])
    assert paced(CONFIG, 1000, 0.001).slice_seconds == CONFIG.min_slice_seconds  # cheap redraws, a huge class


def test_config_is_checked():
    with pytest.raises(ValueError, match="draw_share"):
        ShareConfig(draw_share=1.0)
    with pytest.raises(ValueError, match="slots"):
        ShareConfig(slots=0)
    with pytest.raises(ValueError, match="idle_share"):
        ShareConfig(idle_share=1.0)


def test_sessions_that_fall_silent_or_pause_stop_counting():
    clock = FakeClock()
    scheduler = FairScheduler(CONFIG, clock)
    for player in "abc":
        scheduler.pace(player)
    assert scheduler.pace("a").players == 3
    scheduler.leave("b")
    assert scheduler.players == 2
    clock.now = CONFIG.silent_seconds - 0.1  # late refreshes of an overloaded server: "c" still counts
    assert scheduler.pace("a").players == 2
    clock.now = CONFIG.silent_seconds + 0.1  # "c" stopped refreshing (a closed tab)
    assert scheduler.pace("a").players == 1


def test_measured_redraws_set_the_pace():
    scheduler = FairScheduler(ShareConfig(draw_memory=0.0), FakeClock())
    for player in range(20):
        scheduler.pace(player)
    scheduler.drew(0, 0.06)
    assert scheduler.pace(0).refresh_seconds == pytest.approx(20 * 0.06 / CONFIG.draw_share)


def busy(seconds: float) -> None:
    """Spend `seconds` of this thread's CPU, as a training slice does."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_playing_sessions_take_equal_turns_one_at_a_time():
    """Four sessions, each looping turn → slice of CPU → redraw: round-robin, never two in a slot at once."""
    scheduler = FairScheduler(CONFIG)
    turns, inside, overlaps, stop = Counter(), [0], [], threading.Event()

    def session(name: str) -> None:
        while not stop.is_set():
            with scheduler.turn():
                inside[0] += 1
                overlaps.append(inside[0] > 1)
                busy(0.004)
                turns[name] += 1
                inside[0] -= 1
            busy(0.001)  # the redraw, outside the turn

    threads = [threading.Thread(target=session, args=(name,)) for name in "abcd"]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert not any(overlaps), "two trainers held the one slot at once"
    counts = sorted(turns.values())
    assert counts[0] >= 10 and counts[-1] <= 1.3 * counts[0] + 3, f"unequal turns: {turns}"


def in_a_thread(action, seconds: float = 30.0) -> None:
    """Run `action` in a thread that must finish: a slot that leaked would keep it waiting for ever."""
    thread = threading.Thread(target=action)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the turn was never granted"


def test_an_error_inside_a_turn_frees_the_slot():
    scheduler = FairScheduler(CONFIG)
    with pytest.raises(RuntimeError, match="diverged"):
        with scheduler.turn():
            raise RuntimeError("diverged")

    def another_turn() -> None:
        with scheduler.turn():
            pass

    in_a_thread(another_turn)


def test_a_slice_counts_cpu_time_but_ends_when_other_programs_hold_the_cores():
    clock = FairScheduler(ShareConfig(max_wall_ratio=2.0)).slice_clock()
    busy(0.05)
    assert 0.05 <= clock() < 0.5  # working: it reads this thread's CPU seconds
    waited = clock()
    time.sleep(0.2)  # crowded out (here: asleep): no CPU time, yet the clock moves at half the wall's pace
    assert clock() >= max(waited, 0.25 / 2) - 1e-3
