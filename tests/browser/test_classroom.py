"""A classroom at once: 20 students training on one server at the same time, and the server's defences.

Each student is a direct Streamlit session over the websocket (bench/student_client.py, which lists
the Streamlit internals it relies on), not a Chromium tab. The test checks what a teacher needs:
the server keeps answering, each student's training is their own, and memory stays bounded; it
prints the numbers. No browser is needed, so these tests run even where Chromium is missing.
"""

import statistics
import threading
import time
from pathlib import Path

import pytest

from bench.student_client import Student, classroom, play_for, together, upload, xsrf_token

ROOT = Path(__file__).resolve().parents[2]
PAGES, ARTIFACTS = ROOT / "pages", ROOT / "artifacts"
CANDIDATES = (("gan", "gan"), ("autoencoder", "ae"), ("vae", "vae"), ("rnn", "rnn"))  # page file, key prefix
STUDENTS = 20
TRAINING_SECONDS = 10.0  # everybody keeps playing for this long
HEALTH_MEDIAN_SECONDS = 1.0  # the health endpoint's typical answer while everybody trains
HEALTH_BOUND_SECONDS = 10.0  # and its slowest (the CI cores are shared with the other test worker)
MEMORY_BOUND_MEGABYTES = 3000.0  # server RSS with 20 sessions; data copied per student would blow it
UPLOAD_LIMIT_MEGABYTES = 20  # server.maxUploadSize in .streamlit/config.toml


def classroom_page() -> tuple[str, str]:
    for page, prefix in CANDIDATES:
        if (PAGES / f"{page}.py").exists():
            return page, prefix
    pytest.skip("classroom test SKIPPED: no training page (pages/gan.py, autoencoder.py, vae.py, rnn.py) exists yet")


def test_twenty_students_train_at_once(server):
    page, prefix = classroom_page()
    with classroom(server.url, page, STUDENTS) as students:
        first_open = together(students[:1], Student.open)  # imports torch, fills st.cache_resource
        one_student_megabytes = server.rss_megabytes()
        open_all = together(students[1:], Student.open)
        opened_megabytes = server.rss_megabytes()
        assert not [error for student in students for error in student.exceptions]

        health, memory, done = [], [], []
        lesson = threading.Thread(target=lambda: done.append(together(students, play_for(prefix, TRAINING_SECONDS))))
        lesson.start()
        while lesson.is_alive():
            health.append(server.health_seconds(timeout=30))
            memory.append(server.rss_megabytes())
            time.sleep(0.5)
        lesson.join()
        assert done, "a student's lesson failed (see the thread's error above)"

        steps = [student.step(prefix) for student in students]
        students[0].click(f"{prefix}_reset")
        together(students[1:], lambda student: student.click(f"{prefix}_pause"))  # redraws each own trainer
        after_reset = [student.step(prefix) for student in students]

    ticks = [seconds for student in students for seconds in student.run_seconds[2:-2]]  # the fragment reruns
    report = "\n".join([
        f"classroom on pages/{page}.py: {STUDENTS} sessions playing {TRAINING_SECONDS:.0f} s at once, "
        f"PLAYGROUND_THREADS=1, {len(ticks)} fragment reruns",
        f"  page open: first student {first_open:.1f} s, then {STUDENTS - 1} at once {open_all:.1f} s",
        f"  playing phase (until every student paused): {done[0]:.1f} s",
        f"  health endpoint while training: median {statistics.median(health) * 1000:.0f} ms, "
        f"max {max(health) * 1000:.0f} ms over {len(health)} probes",
        f"  fragment rerun (train slice + redraw): median {statistics.median(ticks):.2f} s, max {max(ticks):.2f} s",
        f"  steps per student: min {min(steps)}, median {statistics.median(steps):.0f}, max {max(steps)}",
        f"  server RSS: 1 student {one_student_megabytes:.0f} MB, {STUDENTS} opened {opened_megabytes:.0f} MB, "
        f"peak while training {max(memory):.0f} MB "
        f"(+{(max(memory) - one_student_megabytes) / (STUDENTS - 1):.1f} MB per extra student)",
    ])
    print(f"\n{report}")  # shown with -s; the file survives pytest's capture and xdist
    (ARTIFACTS / "classroom.txt").write_text(report + "\n")

    assert min(steps) > 0, f"some student never trained: {steps}"
    assert statistics.median(health) < HEALTH_MEDIAN_SECONDS, f"health answers took {statistics.median(health):.2f} s"
    assert max(health) < HEALTH_BOUND_SECONDS, f"the health endpoint took {max(health):.2f} s"
    assert max(memory) < MEMORY_BOUND_MEGABYTES, f"server RSS reached {max(memory):.0f} MB"
    assert after_reset[0] == 0, "reset did not reset its own session"
    assert after_reset[1:] == steps[1:], f"one student's reset touched the others: {steps} became {after_reset}"


# ---- Streamlit's security defaults stay on ---------------------------------------------------------

def test_uploads_need_the_xsrf_token_and_stay_under_the_size_limit(server):
    with classroom(server.url, "", 1) as (student,):
        student.open()
        token = xsrf_token(server.url)
        assert upload(server.url, student.session_id, 1000, token=None) == 403, "XSRF protection is off"
        assert upload(server.url, student.session_id, 1000, token="2|00|bad|1") == 403, "a forged token passed"
        too_big = (UPLOAD_LIMIT_MEGABYTES + 1) * 2**20
        assert upload(server.url, student.session_id, too_big, token=token, headers_only=True) == 413, \
            "the upload size limit is off"
        assert upload(server.url, student.session_id, 1000, token=token) in (200, 204), "a valid upload was refused"
