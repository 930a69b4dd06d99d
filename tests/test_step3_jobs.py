"""Step 3 carried out through GitLab jobs: the configuration (errors naming file, line and
field) and the pure plan and state machine — maintenance on, deploy jobs, restart, checks,
maintenance off; a held job's retry, rollback and force; maintenance off on every way out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from bot.cli import main
from bot.config.models import Customer
from bot.domain import step3_jobs as jobs
from bot.domain.step3_jobs import Run
from tests.factories import at, customer_data, make_config, make_deployment
from tests.test_config_errors import BASE

NOW = at("2026-12-01 09:30")
STEP3: dict[str, Any] = {
    "maintenance": {
        "on": {"job": "maintenance-on", "project": "soffid/ops/diba"},
        "off": {"job": "maintenance-off", "project": "soffid/ops/diba"},
    },
    "deploy": [
        {"component": "addon-diba", "job": "deploy-production",
         "variables": {"CUSTOMER": "DIBA", "ENVIRONMENT": "{environment}"}},
        {"component": "iam-sync",
         "trigger": {"project": "soffid/ops/diba", "ref": "main",
                     "variables": {"COMPONENT": "iam-sync", "VERSION": "{version:iam-sync}"}}},
    ],
    "restart": {"job": "restart-consoles", "project": "soffid/ops/diba"},
    "auto_done": True,
}  # fmt: skip
COMPONENTS = {
    "addon-diba": {"gitlab_project": "soffid/addons/diba"},
    "iam-sync": {"gitlab_project": "soffid/iam-sync"},
}


def diba(step3: dict[str, Any] | None = None) -> Customer:
    data = customer_data(components=COMPONENTS, step3=step3 or STEP3)
    return make_config([data]).customers[0]


def new_run(customer: Customer | None = None) -> Run:
    deployment = make_deployment()
    customer = customer or diba()
    targets = jobs.plan(customer, deployment.components, "PRO", deployment.id)
    assert customer.step3 is not None
    return jobs.start(deployment.id, targets, auto_done=customer.step3.auto_done)


def through(run: Run, *, until: str = "", fail: str = "") -> Run:
    """Drive ``run`` as the shell would, every job passing (``fail``: that job fails once)."""
    for _ in range(40):
        action, index = jobs.next_step(run)
        if action == "resolve" and index is not None:
            run, _effect = jobs.recorded(run, index, 100 + index, 7, "", NOW, "en")
        elif action == "follow" and index is not None:
            label = run.steps[index].target.label
            if label == until:
                return run
            failing = label == fail and run.steps[index].attempt == 0
            state: jobs.JobState = "failed" if failing else "success"
            run = jobs.observed(run, index, state, NOW + timedelta(minutes=2), "en",
                                trace="\n".join(f"line {n}" for n in range(40)))  # fmt: skip
        elif action == "checks":
            run = jobs.checked(run, True, [], "en")
        else:
            return run
    raise AssertionError("the run never settled")


# -- configuration ----------------------------------------------------------------------------


def test_a_customer_without_step3_has_no_jobs() -> None:
    customer = make_config([customer_data(components=COMPONENTS)]).customers[0]
    assert customer.step3 is None
    assert jobs.plan(customer, make_deployment().components, "PRO", "DIBA-2026-0007") == ()


def test_a_job_timeout_defaults_to_thirty_minutes() -> None:
    step3 = diba().step3
    assert step3 is not None and step3.timeout == timedelta(minutes=30)


STEP3_YAML = """\
    step3:
      maintenance:
        on:  {job: maintenance-on,  project: soffid/ops/diba}
        off: {job: maintenance-off, project: soffid/ops/diba}
      deploy:
        - component: addon-diba
          job: deploy-production
          variables: {CUSTOMER: DIBA, ENVIRONMENT: "{environment}"}
      restart: {job: restart-consoles, project: soffid/ops/diba}
"""
ANCHOR = "      addon-diba: {gitlab_project: soffid/addons/diba}\n"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("{environment}", "{enviroment}", 21,
         "customers[0].step3.deploy[0].variables: ENVIRONMENT: {enviroment} is not "
         "a placeholder"),
        ("component: addon-diba", "component: addon-dib", 9,
         "customers[0]: step3 names addon-dib, not a component of DIBA"),
        ("off: {job: maintenance-off, project: soffid/ops/diba}", "off: {job: maintenance-off}",
         14, "customers[0].step3: maintenance.off: give the project"),
        ("restart: {job: restart-consoles, project: soffid/ops/diba}",
         "restart: {job: restart-consoles, project: soffid/ops/diba, timeout: soon}", 22,
         "customers[0].step3.restart.timeout: 'soon' is not a duration"),
    ],
)  # fmt: skip
def test_a_bad_step3_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in STEP3_YAML
    text = BASE.replace(ANCHOR, ANCHOR + STEP3_YAML.replace(old, new))
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate-config", "--config", str(path)])
    assert result.exit_code == 2
    assert f"{path}:{line}: {message}" in result.stderr


def test_every_new_field_is_described() -> None:
    from bot.config import step3_jobs

    models: list[type[BaseModel]] = [
        step3_jobs.JobStep, step3_jobs.TriggerStep, step3_jobs.DeployStep,
        step3_jobs.Maintenance, step3_jobs.Step3Jobs,
    ]  # fmt: skip
    for model in models:
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"
    assert Customer.model_fields["step3"].description


# -- the plan ---------------------------------------------------------------------------------


def test_the_plan_is_maintenance_deploys_in_order_restart_and_maintenance_off() -> None:
    run = new_run()
    kinds = [(s.target.kind, s.target.label) for s in run.steps]
    assert kinds == [
        ("maintenance_on", "maintenance-on"),
        ("deploy", "deploy-production"),
        ("deploy", "soffid/ops/diba@main"),
        ("restart", "restart-consoles"),
        ("maintenance_off", "maintenance-off"),
    ]
    addon, sync = run.steps[1].target, run.steps[2].target
    assert (addon.project, addon.ref) == ("soffid/addons/diba", "3.2.11")
    assert addon.variables == (("CUSTOMER", "DIBA"), ("ENVIRONMENT", "PRO"))
    assert sync.trigger == "GITLAB_TRIGGER_TOKEN"
    assert sync.variables == (("COMPONENT", "iam-sync"), ("VERSION", "3.2.1"))


def test_without_a_deploy_list_every_component_plays_the_default_job() -> None:
    run = new_run(diba({"auto_done": False}))
    assert [(s.target.project, s.target.ref, s.target.job) for s in run.steps] == [
        ("soffid/addons/diba", "3.2.11", "deploy-production"),
        ("soffid/iam-sync", "3.2.1", "deploy-production"),
    ]


def test_the_rollback_plan_plays_the_previous_releases_jobs_in_reverse() -> None:
    deployment = make_deployment()
    targets = jobs.plan(diba(), deployment.components, "PRO", deployment.id, rollback=True)
    assert [(t.kind, t.component, t.version) for t in targets] == [
        ("deploy", "iam-sync", "3.2.0"),
        ("deploy", "addon-diba", "3.2.10"),
        ("restart", "", ""),
        ("maintenance_off", "", ""),
    ]
    assert dict(targets[0].variables)["VERSION"] == "3.2.0"
    assert targets[1].ref == "3.2.10"


# -- the run ----------------------------------------------------------------------------------


def test_each_play_is_an_effect_keyed_by_its_step_with_the_job_recorded_first() -> None:
    run = new_run()
    assert jobs.next_step(run) == ("resolve", 0)
    run, effect = jobs.recorded(run, 0, 9001, 640, "https://gitlab/j/9001", NOW, "en")
    assert effect.key == "DIBA-2026-0007/step3-forward-0-0/0"
    assert (effect.job_id, effect.retry_of, run.steps[0].job_id) == (9001, None, 9001)
    assert jobs.next_step(run) == ("follow", 0)  # a restart follows it, never plays again
    assert "maintenance-on" in run.lines[-1] and "https://gitlab/j/9001" in run.lines[-1]


def test_a_run_that_passes_checks_before_maintenance_off_and_closes_by_itself() -> None:
    run = through(new_run())
    assert run.phase == "finished" or jobs.next_step(run) == ("done", None)
    run = jobs.finished(run, "en")
    assert all(s.state == "success" for s in run.steps) and run.checks_passed
    checks_at = run.lines.index("✓ the step 3 checks passed")
    off_at = next(i for i, line in enumerate(run.lines) if "maintenance-off" in line)
    assert checks_at < off_at
    assert run.lines[-1] == "✓ every job and check passed: the deployment is closed"


def test_without_auto_done_the_end_asks_the_engineer_to_confirm() -> None:
    step3 = {**STEP3, "auto_done": False}
    run = jobs.finished(through(new_run(diba(step3))), "en")
    assert "confirm the end with the tag deploy-done" in run.lines[-1]


def test_a_failing_job_holds_with_its_traces_last_twenty_lines_and_the_choices() -> None:
    run = through(new_run(), fail="deploy-production")
    assert (run.phase, run.held) == ("held", "failed")
    assert jobs.next_step(run) == ("wait", None)
    note = jobs.hold_lines(run, "en")
    assert note[0].startswith("The deployment is held: deploy-production")
    assert note[2:22] == [f"line {n}" for n in range(20, 40)]
    assert "/deploy retry" in note[-1] and "/deploy continue force: <reason>" in note[-1]


def test_a_retry_plays_the_job_again_under_a_new_key_and_completes() -> None:
    run = jobs.retry(through(new_run(), fail="deploy-production"), "en")
    assert jobs.next_step(run) == ("resolve", 1)
    again, effect = jobs.recorded(run, 1, None, 7, "", NOW, "en")
    assert (effect.key, effect.retry_of) == ("DIBA-2026-0007/step3-forward-1-1/0", 101)
    done = jobs.finished(through(again), "en")
    assert all(s.state == "success" for s in done.steps)


def test_a_job_running_past_its_timeout_holds_the_run() -> None:
    run = through(new_run(), until="deploy-production")
    late = jobs.observed(run, 1, "running", NOW + timedelta(minutes=31), "en")
    assert (late.phase, late.held) == ("held", "timed_out")
    assert "more than 30 min" in jobs.hold_lines(late, "en")[0]


def test_a_rollback_runs_the_previous_jobs_restart_checks_and_maintenance_off() -> None:
    deployment = make_deployment()
    held = through(new_run(), fail="soffid/ops/diba@main")
    back = jobs.plan(diba(), deployment.components, "PRO", deployment.id, rollback=True)
    run = jobs.rollback(held, back, "sync broken", "en")
    run, effect = jobs.recorded(run, 0, None, None, "", NOW, "en")
    assert effect.key == "DIBA-2026-0007/step3-rollback-0-0/0"
    done = jobs.finished(through(run), "en")
    assert [s.target.kind for s in done.steps][-1] == "maintenance_off"
    assert all(s.state == "success" for s in done.steps)
    assert done.lines[-1].startswith("↩ rollback finished")


def test_forcing_on_still_turns_maintenance_off() -> None:
    held = through(new_run(), fail="restart-consoles")
    run = through(jobs.force(held, "restarted by hand", "en"))
    assert run.steps[-1].target.kind == "maintenance_off" and run.steps[-1].state == "success"
    assert "⚠ going on by force: restarted by hand" in run.lines


def test_failing_checks_hold_and_force_goes_on_to_maintenance_off() -> None:
    run = new_run()
    for _ in range(12):
        action, index = jobs.next_step(run)
        if action == "checks":
            run = jobs.checked(run, False, ["✗ Consola: 502"], "en")
            break
        assert index is not None
        if action == "resolve":
            run, _ = jobs.recorded(run, index, 1, 1, "", NOW, "en")
        else:
            run = jobs.observed(run, index, "success", NOW, "en")
    assert (run.phase, run.held) == ("held", "checks")
    assert jobs.hold_lines(run, "en")[0].endswith("the checks after the jobs did not pass.")
    run = through(jobs.force(run, "known alert", "en"))
    assert run.steps[-1].state == "success"


def test_leaving_mid_run_keeps_only_maintenance_off_ahead() -> None:
    run = jobs.way_out(through(new_run(), until="soffid/ops/diba@main"), "en")
    ahead = [s.target.kind for s in run.steps if s.state != "success"]
    assert ahead == ["deploy", "maintenance_off"]  # the running trigger is followed to its end


def test_a_trace_tail_drops_colours_and_control_characters() -> None:
    trace = "\x1b[32;1mok\x1b[0;m\nsection_start:1:step_script\r\x1b[0Kboom\x07\n\n"
    assert jobs.trace_tail(trace) == ("ok", "boom")


# -- the commands -----------------------------------------------------------------------------


def test_retry_takes_nothing_and_continue_needs_a_forced_reason() -> None:
    from datetime import UTC

    from bot.domain.commands import CommandError, Continue, RawCommand, Retry, parse_command

    assert parse_command(RawCommand("retry", "", "/deploy retry"), UTC) == Retry("/deploy retry")
    line = "/deploy continue force: by hand"
    assert parse_command(RawCommand("continue", "force: by hand", line), UTC) == Continue(
        line, "by hand"
    )
    for name, args in (("retry", "now"), ("continue", ""), ("continue", "please")):
        with pytest.raises(CommandError):
            parse_command(RawCommand(name, args, f"/deploy {name} {args}"), UTC)


def test_maintenance_written_by_a_yaml_11_tool_still_means_on_and_off() -> None:
    """PyYAML's safe_load reads ``on:``/``off:`` as true/false keys (YAML 1.1); a configuration
    that went through it keeps its maintenance steps."""
    import yaml

    from bot.config.step3_jobs import Maintenance

    written = yaml.safe_load("on: {job: maintenance-on}\noff: {job: maintenance-off}\n")
    assert set(written) == {True, False}
    read = Maintenance.model_validate(written)
    assert read.on.job == "maintenance-on" and read.off.job == "maintenance-off"
