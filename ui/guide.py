"""The guide panel: a guided lesson (playground/guided_lessons.py) drawn in the sidebar of its page.

A step opens by setting the page's controls; the student predicts (a choice or a number) and locks
the prediction in; the guide then asks the page's training panel for the step's training steps
(`widgets.train_steps`: the panel plays in its usual slices and stops there, so the charts move
while it trains), measures what happened and shows it beside the prediction, with the explanation
and its formula. Lessons start from the home page's list or a link, `?lesson=<id>`.

The guide's state lives in `st.session_state` under `guide_…` keys; `lesson` stays in the address
while the lesson's page is shown, so a reload returns to the lesson.
"""

import os
from pathlib import Path

import streamlit as st

from playground.guided_lessons import BY_ID, LESSONS, Lesson, NotMeasurable, Step
from ui import links, widgets
from ui.i18n import _, number

PARAMETER = "lesson"
# CI's browser tests set this to run every lesson in a bounded time; a classroom leaves it unset
MAX_STEPS = int(os.environ.get("PLAYGROUND_GUIDE_MAX_STEPS", "0")) or None


class PageLab:
    """The guided lessons' view of this session: its trainers, the shared pretrained models, its controls."""

    def trainer(self, key: str):
        built = widgets.built_trainer(key)
        return None if built is None else built[0]

    def pretrained(self, name: str):
        return widgets.pretrained(name)

    def setting(self, key: str) -> object:
        return st.session_state.get(key)


def training_steps(step: Step) -> int:
    return min(step.steps, MAX_STEPS) if MAX_STEPS else step.steps


def active() -> Lesson | None:
    return BY_ID.get(st.session_state.get("guide_lesson"))


def start(lesson_id: str) -> None:
    """Open a lesson at its first step (also a button callback)."""
    st.session_state["guide_lesson"] = lesson_id
    open_step(0)


def open_step(index: int) -> None:
    """Set the page's controls for step `index` and wait for a prediction."""
    st.session_state["guide_step"] = index
    st.session_state["guide_phase"] = "predict"
    st.session_state.pop("guide_answer", None)
    st.session_state.update(active().steps[index].settings)


def leave() -> None:
    for name in ("guide_lesson", "guide_step", "guide_phase", "guide_answer", "guide_baseline", "guide_measured"):
        st.session_state.pop(name, None)
    if PARAMETER in st.query_params:
        del st.query_params[PARAMETER]


def page_of(lesson: Lesson) -> str:
    """The lesson page's address path: 'pages/gan.py' → 'gan', as st.navigation names it."""
    return Path(lesson.page).stem


def follow_link(current_page: str) -> None:
    """Start the lesson a link names (?lesson=<id>) and go to its page; an unknown id gets a notice."""
    requested = st.query_params.get(PARAMETER)
    if requested is None or requested == st.session_state.get("guide_lesson"):
        return
    if requested not in BY_ID:
        del st.query_params[PARAMETER]
        links.notice(_("The link's lesson “{lesson}” does not exist: ignored.").format(lesson=requested[:40]))
        return
    start(requested)
    if page_of(BY_ID[requested]) != current_page:
        st.switch_page(BY_ID[requested].page, query_params={PARAMETER: requested})


def measure(step: Step) -> float | None:
    try:
        return step.measure(PageLab())
    except NotMeasurable:
        return None


def lock_prediction(step: Step) -> None:
    """Button callback: keep the prediction, then train the step's steps (or measure at once)."""
    st.session_state["guide_prediction"] = st.session_state["guide_answer"]
    st.session_state["guide_baseline"] = measure(step) if step.change else None
    if training_steps(step):
        widgets.train_steps(step.panel, training_steps(step))
        st.session_state["guide_phase"] = "train"
    else:
        finish_step(step)


def finish_step(step: Step) -> None:
    measured = measure(step)
    baseline = st.session_state.get("guide_baseline")
    if measured is not None and baseline is not None:
        measured -= baseline
    st.session_state["guide_measured"] = measured
    st.session_state["guide_phase"] = "result"


def shown(step: Step, value: float) -> str:
    return f"{number(100 * value, 1)} %" if step.percent else number(value, 3)


def panel(current_page: str) -> None:
    """The lesson's panel in the sidebar, on the lesson's page only."""
    lesson = active()
    if lesson is None or page_of(lesson) != current_page:
        return
    st.query_params[PARAMETER] = lesson.id  # a reload comes back to the lesson
    index = st.session_state["guide_step"]
    step = lesson.steps[index]
    with st.sidebar.container(border=True, key="guide"):
        st.markdown(f"**📘 {_(lesson.title)}**")
        st.caption(_("Step {step} of {total}: {title}").format(step=index + 1, total=len(lesson.steps),
                                                                title=_(step.title)))
        st.write(_(step.question))
        phase = st.session_state["guide_phase"]
        if phase == "predict":
            prediction_input(step)
        elif phase == "train":
            training(step)
            phase = st.session_state["guide_phase"]
        if phase == "result":
            result(lesson, index, step)
        st.button(_("Leave the lesson"), key="guide_leave", on_click=leave, type="tertiary")


def prediction_input(step: Step) -> None:
    if step.choices:
        st.radio(_("Your prediction"), range(len(step.choices)), format_func=lambda i: _(step.choices[i].label),
                 index=None, key="guide_answer")
    else:
        st.number_input(_("Your prediction ({unit})").format(unit="%" if step.percent else _(step.measured)),
                        value=None, key="guide_answer", format="%g")
    label = _("Lock in and train {steps} steps").format(steps=training_steps(step)) if training_steps(step) \
        else _("Lock in and look")
    st.button(label, key="guide_lock", type="primary", on_click=lock_prediction, args=(step,),
              disabled=st.session_state.get("guide_answer") is None)


def training(step: Step) -> None:
    """While the page's panel trains: wait; once it has stopped, measure."""
    if widgets.training(step.panel):
        st.info(_("Training {steps} steps: watch the page's charts.").format(steps=training_steps(step)), icon="⏳")
    else:
        finish_step(step)


def prediction_text(step: Step) -> str:
    prediction = st.session_state.get("guide_prediction")
    if step.choices:
        return _(step.choices[prediction].label)
    return shown(step, prediction / 100 if step.percent else prediction)


def result(lesson: Lesson, index: int, step: Step) -> None:
    measured = st.session_state.get("guide_measured")
    predicted, happened = st.columns(2)
    predicted.metric(_("Your prediction"), prediction_text(step))
    if measured is None:
        happened.metric(_(step.measured), "—")
        st.warning(_("Nothing to measure yet: the page has not built this model. Open its section and try again."))
    else:
        happened.metric(_(step.measured) + (_(" (change)") if step.change else ""), shown(step, measured))
        if step.choices:
            true = next((choice for choice in step.choices if choice.holds(measured)), None)
            right = true is not None and step.choices.index(true) == st.session_state.get("guide_prediction")
            st.markdown(("✅ " if right else "❌ ") + _("What happened: {answer}").format(
                answer=_(true.label) if true else "—"))
    st.write(_(step.explanation))
    st.latex(step.formula)
    if index + 1 < len(lesson.steps):
        st.button(_("Next step →"), key="guide_next", type="primary", on_click=open_step, args=(index + 1,))
    else:
        st.success(_("End of the lesson."), icon="🎓")


def home_list() -> None:
    """The home page's list of guided lessons, each a link to its page with ?lesson=<id>."""
    st.header(_("Guided lessons"))
    st.caption(_("Predict, run, and see: each lesson sets the page up, asks what will happen, trains, and shows the "
                 "measurement beside your prediction."))
    columns = st.columns(2)
    for index, lesson in enumerate(LESSONS):
        with columns[index % 2]:
            st.page_link(lesson.page, label=_(lesson.title), icon="📘", query_params={PARAMETER: lesson.id})
            st.caption(_(lesson.summary))
