"""A classroom at once: many students training together on one server, and a class behind `make class`'s balancer.

Each student is a direct Streamlit session over the websocket (bench/student_client.py, which lists
the Streamlit internals it relies on), not a Chromium tab; one test drives a real browser through
the balancer. They check what a teacher needs: every student trains, on their own session and
nobody else's, the server keeps answering, memory stays bounded, each student sticks to one replica
behind the balancer, and pages, images and uploads work through it. How fast is the bench's business
(`python -m bench --only classroom`): nothing here asserts a time, so a busy machine cannot fail them.
"""

import re
import statistics

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.student_client import XSRF_COOKIE, Student, classroom, play_together, together, upload
from playground.checkpoints import to_bytes
from playground.models.vae import VAE, VAEConfig
from tests.browser.conftest import ARTIFACTS, ROOT
from tests.browser.test_pages_in_browser import keyed, open_page, step_counter, wait_for_app, wait_until

PAGES = ROOT / "pages"
CANDIDATES = (("gan", "gan"), ("autoencoder", "ae"), ("vae", "vae"), ("rnn", "rnn"))  # page file, key prefix
STUDENTS = 20
CLASS_STUDENTS = 8  # through the balancer, over its two replicas
TRAINING_SECONDS = 10.0  # everybody keeps playing for this long
MEMORY_BOUND_MEGABYTES = 3000.0  # server RSS with 20 sessions; data copied per student would blow it
UPLOAD_LIMIT_MEGABYTES = 20  # server.maxUploadSize in .streamlit/config.toml
SHARING = "trainers share this server process"  # the training panel's caption while several play


def classroom_page() -> tuple[str, str]:
    for page, prefix in CANDIDATES:
        if (PAGES / f"{page}.py").exists():
            return page, prefix
    pytest.skip("classroom test SKIPPED: no training page (pages/gan.py, autoencoder.py, vae.py, rnn.py) exists yet")


def test_twenty_students_train_at_once_each_on_their_own(server):
    page, prefix = classroom_page()
    with classroom(server.url, page, STUDENTS) as students:
        first_open = together(students[:1], Student.open)  # imports torch, fills st.cache_resource
        one_student_megabytes = server.rss_megabytes()
        open_all = together(students[1:], Student.open)
        opened_megabytes = server.rss_megabytes()
        assert not [error for student in students for error in student.exceptions]

        lesson = play_together(students, prefix, TRAINING_SECONDS, server.url, server.rss_megabytes)
        shared = [text for student in students for text in student.texts_seen if SHARING in text]
        steps = [student.step(prefix) for student in students]
        students[0].click(f"{prefix}_reset")
        together(students[1:], lambda student: student.click(f"{prefix}_pause"))  # redraws each own trainer
        after_reset = [student.step(prefix) for student in students]

    gaps = lesson.gaps or [float("nan")]  # a machine crowded by other programs may fit few refreshes into the lesson
    report = "\n".join([
        f"classroom on pages/{page}.py: {STUDENTS} sessions playing {TRAINING_SECONDS:.0f} s at once, "
        f"PLAYGROUND_THREADS=1, {len(lesson.gaps)} refreshes counted",
        f"  page open: first student {first_open:.1f} s, then {STUDENTS - 1} at once {open_all:.1f} s",
        f"  playing phase (until every student paused): {lesson.seconds:.1f} s",
        f"  health endpoint while training: median {statistics.median(lesson.health) * 1000:.0f} ms, "
        f"max {max(lesson.health) * 1000:.0f} ms over {len(lesson.health)} probes",
        f"  refresh interval: median {statistics.median(gaps):.2f} s, max {max(gaps):.2f} s",
        f"  steps per student: min {min(lesson.steps)}, median {statistics.median(lesson.steps):.0f}, "
        f"max {max(lesson.steps)}",
        f"  server RSS: 1 student {one_student_megabytes:.0f} MB, {STUDENTS} opened {opened_megabytes:.0f} MB, "
        f"peak while training {max(lesson.memory):.0f} MB "
        f"(+{(max(lesson.memory) - one_student_megabytes) / (STUDENTS - 1):.1f} MB per extra student)",
    ])
    print(f"\n{report}")  # shown with -s; the file survives pytest's capture and xdist
    (ARTIFACTS / "classroom.txt").write_text(report + "\n")

    assert not lesson.lost, f"{lesson.lost} students' sessions were lost, replaced, raised or never trained"
    assert shared, "no panel said that the class shares the server"
    assert max(lesson.memory) < MEMORY_BOUND_MEGABYTES, f"server RSS reached {max(lesson.memory):.0f} MB"
    assert after_reset[0] == 0, "reset did not reset its own session"
    assert after_reset[1:] == steps[1:], f"one student's reset touched the others: {steps} became {after_reset}"


# ---- a class behind the balancer (make class) ------------------------------------------------------

def reveal(page: Page, key: str, sections: str) -> Locator:
    """The widget `key`, made visible: a page shows one section at a time (its picker keyed `sections`, if the
    page has one), so pick each section in turn until the widget shows."""
    target, picker = keyed(page, key), keyed(page, sections)
    options = picker.get_by_role("radio")  # a segmented control: one radio button per section
    for index in range(options.count() if picker.count() else 0):
        if target.is_visible():
            break
        options.nth(index).click()
        wait_for_app(page)
    expect(target).to_be_visible()
    return target


def test_each_student_sticks_to_one_replica_behind_the_balancer(class_servers_here):
    servers = class_servers_here
    page, prefix = classroom_page()
    with classroom(servers.url, page, CLASS_STUDENTS) as students:
        together(students, Student.open)
        replicas = {student.cookies.get("playground_replica") for student in students}
        assert len(replicas) == len(servers.replicas), f"the students did not spread over the replicas: {replicas}"
        # a session lives in one replica's memory: an upload reaches it only if the balancer sends it there
        assert all(upload(servers.url, s.session_id, 1000, s.cookies[XSRF_COOKIE], s.cookies) in (200, 204)
                   for s in students), "an upload went to a replica that does not hold its session"

        def replicas_rss() -> float:
            return sum(replica.rss_megabytes() for replica in servers.replicas)

        lesson = play_together(students, prefix, TRAINING_SECONDS / 2, servers.url, replicas_rss)
    assert not lesson.lost, f"{lesson.lost} students' sessions were lost, replaced or never trained behind the balancer"
    assert max(lesson.memory) < MEMORY_BOUND_MEGABYTES, f"the replicas' RSS reached {max(lesson.memory):.0f} MB"


@pytest.mark.browser
def test_a_browser_works_through_the_balancer(class_servers_here, page, tmp_path):
    """The VAE page through HAProxy: a decoded image (a media file), live training, and an upload."""
    if not (PAGES / "vae.py").exists():
        pytest.skip("balancer browser test SKIPPED: pages/vae.py does not exist yet")
    open_page(page, f"{class_servers_here.url}/vae")
    image = page.get_by_test_id("stImage").filter(has_text="decoder(z)").locator("img")
    reveal(page, "vae_z0", "vae_section")
    wait_until(page, lambda: image.evaluate("img => img.complete && img.naturalWidth > 0"),
               "the decoded image (a media file of the replica) did not load")
    reveal(page, "vae_play", "vae_section").get_by_role("button").click()
    main = page.get_by_test_id("stMain")
    wait_until(page, lambda: step_counter(main) > 0, "▶ play did not train through the balancer")
    keyed(page, "vae_pause").get_by_role("button").click()
    wait_for_app(page)
    weights = tmp_path / "vae.safetensors"
    weights.write_bytes(to_bytes(VAE(VAEConfig())))
    reveal(page, "vae_upload", "vae_section").locator("input[type=file]").set_input_files(weights)
    answer = re.compile("Continue training from the uploaded weights|These weights belong to another model")
    expect(page.get_by_text(answer).first).to_be_visible(timeout=60_000)


# ---- Streamlit's security defaults stay on ---------------------------------------------------------

def test_uploads_need_the_xsrf_token_and_stay_under_the_size_limit(server):
    with classroom(server.url, "", 1) as (student,):
        student.open()
        token = student.cookies[XSRF_COOKIE]
        assert upload(server.url, student.session_id, 1000, token=None) == 403, "XSRF protection is off"
        assert upload(server.url, student.session_id, 1000, token="2|00|bad|1") == 403, "a forged token passed"
        too_big = (UPLOAD_LIMIT_MEGABYTES + 1) * 2**20
        assert upload(server.url, student.session_id, too_big, token=token, headers_only=True) == 413, \
            "the upload size limit is off"
        assert upload(server.url, student.session_id, 1000, token=token) in (200, 204), "a valid upload was refused"
