"""Links (ui/links.py) through the entry file: a link restores the controls it names, a tampered one is
ignored with a notice, a teacher's link hides and locks, and the share popover writes the link."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP, PAGE_TIMEOUT_SECONDS


def open_link(page: str, **params: str) -> AppTest:
    """A student's first visit through a link: pages/<page>.py with these query parameters."""
    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS)
    app.query_params.update(params)
    app.switch_page(f"pages/{page}.py")
    return app.run()


def toasts(app: AppTest) -> str:
    return "\n".join(toast.value for toast in app.toast)


def styles(app: AppTest) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


@pytest.fixture(scope="module")
def gan_link() -> AppTest:
    return open_link("gan", gan_preset="fix: k = 5 D steps", seed="3", gan_distribution="grid 5×5",
                     gan_show_arrows="true", gan_batch_size="64")


def test_a_link_restores_every_control_it_names_and_the_preset_fills_the_rest(gan_link):
    app = gan_link
    assert not app.exception and not toasts(app)
    assert app.selectbox(key="gan_preset").value == "fix: k = 5 D steps" and app.number_input(key="seed").value == 3
    assert app.selectbox(key="gan_distribution").value == "grid 5×5" and app.toggle(key="gan_show_arrows").value
    assert app.select_slider(key="gan_batch_size").value == 64
    assert app.slider(key="gan_disc_steps_per_gen_step").value == 5  # not named: filled by the preset
    trainer = app.session_state["gan_trainer"]
    assert trainer.seed == 3 and trainer.data.name == "grid 5×5"
    assert trainer.config.batch_size == 64 and trainer.config.updates_of("discriminator") == 5
    app.run()  # the link's batch size differs from the preset's: the picker now says so
    assert app.selectbox(key="gan_preset").value == "custom" and app.select_slider(key="gan_batch_size").value == 64


def test_tampered_parameters_are_ignored_with_a_notice():
    app = open_link("gan", gan_disc_steps_per_gen_step="99", gan_loss="nonsense", bogus="1", vae_kl_weight="4",
                    gan_distribution="x" * 10_000, hide="gan_loss,<script>", lesson="no_such_lesson")
    assert not app.exception
    notices = toasts(app)
    assert "“bogus”, “vae_kl_weight” names no control on this page" in notices
    assert "“gan_disc_steps_per_gen_step”, “gan_loss” is not one this page offers" in notices
    assert "longer than 200 characters" in notices and "lesson “no_such_lesson” does not exist" in notices
    assert "“hide” are not control names" in notices
    assert app.slider(key="gan_disc_steps_per_gen_step").value == 1 and app.radio(key="gan_loss").value == \
        "non-saturating" and app.selectbox(key="gan_distribution").value == "ring of 8"
    assert {"bogus", "vae_kl_weight", "gan_distribution", "lesson"}.isdisjoint(app.query_params)
    app.run()
    assert not app.toast  # said once


def test_a_teachers_link_hides_controls_and_sections_and_locks_others():
    app = open_link("gan", hide="gan_generator_width,gan_section.2", lock="gan_discriminator_lr,seed")
    assert not app.exception
    assert ".st-key-gan_generator_width" in styles(app) and "display: none" in styles(app)
    assert app.get("button_group")[0].proto.options[0].content == "2-D game" and \
        len(app.get("button_group")[0].proto.options) == 1  # the digits section is not offered
    assert app.select_slider(key="gan_discriminator_lr").disabled and app.number_input(key="seed").disabled
    assert not app.select_slider(key="gan_generator_lr").disabled
    assert "hide=gan_generator_width%2Cgan_section.2" in app.get("code")[-1].value  # the share link keeps them


def test_the_teacher_panel_ticks_controls_into_a_link():
    app = open_link("gan", teacher="1", hide="gan_loss")
    assert not app.exception and "st-key" not in styles(app)  # a teacher sees everything
    assert app.checkbox(key="teacher_hide_gan_loss").value  # the link's choices are ticked
    app.checkbox(key="teacher_hide_gan_loss").uncheck()
    app.checkbox(key="teacher_hide_gan_section_2").check()
    app.checkbox(key="teacher_lock_gan_generator_lr").check().run()
    link = app.get("code")[-1].value
    assert "hide=gan_section.2" in link and "lock=gan_generator_lr" in link and "teacher" not in link


def test_the_share_link_holds_the_language_and_the_links_controls():
    app = open_link("gan", seed="3", lang="es")
    shared = next(code.value for code in app.get("code") if "lang=" in code.value)
    assert "seed=3" in shared and "lang=Espa%C3%B1ol" in shared and app.selectbox(key="lang").value == "es"
    assert app.get("image")  # the QR code


def test_the_home_page_lists_every_guided_lesson():
    from playground.guided_lessons import LESSONS

    app = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT_SECONDS).run()
    links = {link.proto.page for link in app.get("page_link")}
    assert not app.exception and {lesson.page for lesson in LESSONS} <= {page.removeprefix("/") for page in links} \
        | {f"pages/{page}.py" for page in links}
    assert sum("lesson=" in link.proto.query_string for link in app.get("page_link")) == len(LESSONS)
