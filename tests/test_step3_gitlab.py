"""Step 3 carried out end to end: the service on fakes for Zammad and mail, GitLab's CI jobs on
the emulator (its clock the service's). From ``deploy-start`` maintenance on, two deploy jobs,
a restart and maintenance off run to ``deployed`` with ``auto_done``; a failing job holds it
with its trace's tail and ``/deploy retry`` completes it; a rollback plays the previous
release's jobs in reverse and turns maintenance off; a daemon restarted while a job runs
follows it and never plays it twice."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from click.testing import CliRunner, Result

from bot.app.outbox.executors import play_job
from bot.app.web.views import ViewsApp
from bot.app.web.webhook import serve
from bot.cli import main
from bot.domain.effects import PlayJob
from bot.domain.model import State
from bot.resources import example_config_path
from emulators.gitlab import GitLabEmulator
from emulators.server import RunningEmulator
from integrations.gitlab import GitLabClient
from integrations.gitlab_jobs import GitLabJobs
from tests.factories import customer_data, make_config
from tests.fakes import InProcess, in_process
from tests.scenes import START

ADDON, SYNC, OPS = "soffid/addons/diba", "soffid/iam-sync", "soffid/ops/diba"
STEP3: dict[str, Any] = {
    "maintenance": {"on": {"job": "maintenance-on", "project": OPS, "ref": "main"},
                    "off": {"job": "maintenance-off", "project": OPS, "ref": "main"}},
    "deploy": [{"component": "addon-diba", "variables": {"ENVIRONMENT": "{environment}"}},
               {"component": "iam-sync"}],
    "restart": {"job": "restart-consoles", "project": OPS, "ref": "main"},
    "auto_done": True,
}  # fmt: skip


def manual(job_id: int, name: str, **run: Any) -> dict[str, Any]:
    return {"id": job_id, "name": name, "when": "manual", "status": "manual",
            "run": run or {"result": "success", "polls": 1}}  # fmt: skip


def pipeline(pid: int, ref: str, *jobs: dict[str, Any]) -> dict[str, Any]:
    return {"id": pid, "ref": ref, "sha": f"{pid:040d}", "jobs": list(jobs)}


def scenario(addon_run: dict[str, Any]) -> dict[str, Any]:
    ops = [manual(1, "maintenance-on"), manual(2, "maintenance-off"),
           manual(3, "restart-consoles")]  # fmt: skip
    return {"gitlab": {"projects": [
        {"id": 10, "path": ADDON, "commits": [{"sha": "a" * 40}], "pipelines": [
            pipeline(640, "3.2.10", manual(10, "deploy-production")),
            pipeline(642, "3.2.11", manual(11, "deploy-production", **addon_run))]},
        {"id": 11, "path": SYNC, "commits": [{"sha": "b" * 40}], "pipelines": [
            pipeline(800, "3.2.0", manual(20, "deploy-production")),
            pipeline(801, "3.2.1", manual(21, "deploy-production", result="success",
                                          seconds=120))]},
        {"id": 12, "path": OPS, "commits": [{"sha": "c" * 40}],
         "pipelines": [pipeline(900, "main", *ops)],
         "trigger": {"token": "trigger-secret",
                     "jobs": [{"name": "deploy-sync",
                               "run": {"result": "success", "seconds": 60}}]}},
    ]}}  # fmt: skip


@pytest.fixture
def addon_run() -> dict[str, Any]:
    return {"result": "success", "polls": 1}


@pytest.fixture
def step3() -> dict[str, Any]:
    return STEP3


@pytest.fixture
def world(
    tmp_path: Path, addon_run: dict[str, Any], step3: dict[str, Any]
) -> Iterator[tuple[InProcess, GitLabEmulator]]:
    data = customer_data(
        zammad_organization="Diputació de Barcelona", step3=step3,
        components={"addon-diba": {"gitlab_project": ADDON},
                    "iam-sync": {"gitlab_project": SYNC}},
    )  # fmt: skip
    bot = in_process(make_config([data], email_domain="soffid.example"),
                     tmp_path / "state.sqlite", START)  # fmt: skip
    for project, old, new in ((ADDON, "3.2.10", "3.2.11"), (SYNC, "3.2.0", "3.2.1")):
        bot.gitlab.release(project, old, START - timedelta(days=60))
        bot.gitlab.release(project, new, START - timedelta(days=9), fixes=["7412280"])
    bot.zammad.add_ticket(1, "7412280", "Change", "Diputació de Barcelona")
    bot.zammad.person_tags(1, "customer-validated")
    bot.zammad.person_notes(1, "/deploy rollback-plan auto")
    emulator = GitLabEmulator(scenario(addon_run), clock=bot.clock)
    with RunningEmulator(emulator) as running:
        jobs = GitLabJobs(GitLabClient(running.url, "demo-token", max_retries=0, timeout=5))
        bot.service.channels.gitlab_jobs = jobs
        bot.service.channels.environ = {"DIBA_TRIGGER_TOKEN": "trigger-secret"}
        bot.restart()  # the service built with its jobs channel
        yield bot, emulator


def started(bot: InProcess) -> None:
    bot.zammad.person_tags(1, "deploy")
    bot.cycle()
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    assert bot.deployment().state is State.IN_PROGRESS, bot.zammad.notes(1)


def cycles(bot: InProcess, count: int) -> None:
    for _ in range(count):
        bot.clock.advance(timedelta(minutes=1))
        bot.cycle()


def plays(emulator: GitLabEmulator) -> list[str]:
    """The jobs played, in order (by their ids in the request paths)."""
    return [r.path.rsplit("/", 2)[-2] for r in emulator.log if r.endpoint == "job_play"]


def text(bot: InProcess) -> str:
    return "\n".join(bot.zammad.notes(1))


def test_maintenance_two_deploy_jobs_and_restart_run_to_deployed(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 10)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "21", "3", "2"]
    job = emulator.projects[10]["pipelines"][1]["jobs"][0]
    assert job["variables"] == [{"key": "ENVIRONMENT", "value": "PRO"}]
    notes = text(bot)
    assert "▶ deploy-production (despliegue de iam-sync 3.2.1) lanzado" in notes
    assert "✓ todos los trabajos y comprobaciones han pasado: se cierra" in notes
    assert notes.index("maintenance-on") < notes.index("restart-consoles")
    assert any(".end." in key for key in bot.mailer.sent)


@pytest.mark.parametrize("addon_run", [{"result": "failed", "polls": 1}])
def test_a_failing_job_holds_with_its_trace_and_retry_completes(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 4)
    assert bot.deployment().state is State.IN_PROGRESS
    notes = text(bot)
    assert "El despliegue está retenido: deploy-production" in notes
    assert "ERROR: Job failed: exit code 1" in notes and "/deploy retry" in notes
    assert plays(emulator) == ["1", "11"]
    emulator.projects[10]["pipelines"][1]["jobs"][0]["run"] = {"result": "success", "polls": 1}
    bot.zammad.person_notes(1, "/deploy retry")
    cycles(bot, 10)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "11", "21", "3", "2"]  # 11 again: GitLab retries it


@pytest.mark.parametrize("addon_run", [{"result": "canceled", "polls": 1}])
def test_a_rollback_plays_the_previous_jobs_in_reverse_and_turns_maintenance_off(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 4)
    assert "se ha cancelado" in text(bot)
    bot.zammad.person_notes(1, "/deploy rollback la consola no arranca")
    cycles(bot, 10)
    assert bot.deployment().state is State.ROLLED_BACK
    assert plays(emulator) == ["1", "11", "20", "10", "3", "2"]
    assert "↩ marcha atrás terminada" in text(bot)


def test_a_cancel_while_a_job_runs_follows_it_and_turns_maintenance_off(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 3)  # iam-sync's deploy job runs
    bot.zammad.person_notes(1, "/deploy cancel el cliente lo pide")
    cycles(bot, 6)
    assert bot.deployment().state is State.CANCELLED
    assert plays(emulator) == ["1", "11", "21", "2"]  # no restart; maintenance off
    assert "■ paso 3 terminado: se ha quitado el modo mantenimiento" in text(bot)


def test_continue_force_goes_on_past_a_failed_job(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    emulator.projects[12]["pipelines"][0]["jobs"][2]["run"] = {"result": "failed", "polls": 1}
    cycles(bot, 8)
    assert "El despliegue está retenido: restart-consoles" in text(bot)
    bot.zammad.person_notes(1, "/deploy continue force: reiniciadas a mano")
    cycles(bot, 4)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator)[-2:] == ["3", "2"]
    assert "⚠ se continúa a la fuerza: reiniciadas a mano" in text(bot)


def test_a_daemon_restarted_while_a_job_runs_follows_it_and_never_plays_it_twice(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 3)  # iam-sync's deploy job runs for two minutes
    assert plays(emulator)[-1] == "21"
    bot.restart()  # kill -9 and start again on the same store
    cycles(bot, 10)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "21", "3", "2"]


def test_a_play_carried_out_again_after_a_crash_does_not_play_twice(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    effect = PlayJob("DIBA/step3-forward-0-0/0", OPS, 1, 900, "maintenance-on", None, ())
    play_job(effect, bot.service.channels)
    play_job(effect, bot.service.channels)  # the outbox did not record it done: again
    assert plays(emulator) == ["1"]
    retry = PlayJob("DIBA/step3-forward-0-1/0", OPS, None, 900, "maintenance-on", 1, ())
    emulator.projects[12]["pipelines"][0]["jobs"][0]["status"] = "failed"
    play_job(retry, bot.service.channels)
    play_job(retry, bot.service.channels)
    assert plays(emulator) == ["1", "1"]  # retried once: the newest run is no longer job 1


# -- the change gate --------------------------------------------------------------------------


GATE_TOKEN = "gate-secret-1"


def ask_gate(
    bot: InProcess, project: str, ref: str, env: str = "PRO", token: str = GATE_TOKEN
) -> requests.Response:
    config = bot.config.model_copy(
        update={"server": bot.config.server.model_copy(update={"gate_token_env": "GATE"})}
    )
    views = ViewsApp(config, bot.service.store, None, bot.clock)
    endpoint = serve(views, "127.0.0.1", 0)
    try:
        return requests.get(
            f"http://127.0.0.1:{endpoint.server_port}/gate",
            params={"project": project, "ref": ref, "environment": env},
            headers={"Authorization": f"Bearer {token}"}, timeout=5,
        )  # fmt: skip
    finally:
        endpoint.shutdown()


def test_the_gate_opens_only_inside_the_started_deployment(
    world: tuple[InProcess, GitLabEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot, _ = world
    monkeypatch.setenv("GATE", GATE_TOKEN)
    bot.zammad.person_tags(1, "deploy")
    bot.cycle()
    bot.zammad.person_tags(1, "deploy-slot-1")
    bot.cycle()
    booked = ask_gate(bot, ADDON, "3.2.11")
    assert booked.status_code == 423
    reason = booked.json()["reason"]
    assert reason.startswith(f"no hay despliegue en curso para {ADDON} 3.2.11 en PRO; el próximo:")
    assert bot.deployment().id in reason and "a las" in reason
    bot.clock.set(bot.deployment().planned_start)  # type: ignore[arg-type]
    bot.zammad.person_tags(1, "deploy-start")
    bot.cycle()
    inside = ask_gate(bot, ADDON, "3.2.11")
    assert inside.status_code == 200 and inside.json()["deployment"] == bot.deployment().id
    assert ask_gate(bot, ADDON, "3.2.10").status_code == 423  # another version
    assert ask_gate(bot, ADDON, "3.2.11", env="PRE").status_code == 423  # another environment
    assert ask_gate(bot, "soffid/other", "3.2.11").status_code == 423
    assert ask_gate(bot, ADDON, "3.2.11", token="wrong").status_code == 401
    cycles(bot, 10)
    assert bot.deployment().state is State.COMPLETED
    after = ask_gate(bot, ADDON, "3.2.11")
    assert after.status_code == 423 and "no hay ninguno previsto" in after.json()["reason"]


def test_the_gate_is_off_without_a_token(world: tuple[InProcess, GitLabEmulator]) -> None:
    bot, _ = world
    views = ViewsApp(bot.config, bot.service.store, None, bot.clock)
    endpoint = serve(views, "127.0.0.1", 0)
    try:
        answer = requests.get(f"http://127.0.0.1:{endpoint.server_port}/gate", timeout=5)
    finally:
        endpoint.shutdown()
    assert answer.status_code == 404


def test_setup_gitlab_creates_the_gate_variables_once_the_token_masked(
    tmp_path: Path, gitlab: RunningEmulator
) -> None:
    text = example_config_path().read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:8082", gitlab.url)
    text = text.replace("  token_env: GITLAB_TOKEN\n", "  token_env: GITLAB_TOKEN\n"
                        "  webhook_secret_env: GITLAB_HOOK_SECRET\n", 1)  # fmt: skip
    text = text.replace("  port: 8780\n", "  port: 8787\n  public_url: https://deploybot.example\n"
                        "  gate_token_env: GATE\n", 1)  # fmt: skip
    path = tmp_path / "deploybot.yaml"
    path.write_text(text, encoding="utf-8")
    env = {"GITLAB_TOKEN": "demo-token", "GITLAB_HOOK_SECRET": "hook-secret", "GATE": GATE_TOKEN}

    def run(*args: str) -> Result:
        return CliRunner(env=env).invoke(main, ["setup", "gitlab", *args, "--config", str(path)])

    dry = run()
    assert dry.exit_code == 0, dry.output
    assert f"  - variable DEPLOYBOT_GATE_TOKEN (masked) on {ADDON} (missing)" in dry.stdout
    assert run("--apply").exit_code == 0
    app: GitLabEmulator = gitlab.app  # type: ignore[assignment]
    for project in (ADDON, SYNC):
        found = app.find_project(project)
        assert found is not None
        variables = {v["key"]: v for v in found["variables"]}
        assert variables["DEPLOYBOT_GATE_URL"]["value"] == "https://deploybot.example/gate"
        assert variables["DEPLOYBOT_GATE_TOKEN"]["masked"] is True
    again = run("--apply")
    assert f"  ✓ variable DEPLOYBOT_GATE_URL on {SYNC} (exists)" in again.stdout
    ops = app.find_project(OPS)
    assert ops is not None and ops["variables"] == []  # it deploys no component


def test_a_masked_variable_gitlab_cannot_mask_is_refused(gitlab: RunningEmulator) -> None:
    url = f"{gitlab.url}/api/v4/projects/{OPS.replace('/', '%2F')}/variables"
    answer = requests.post(url, json={"key": "T", "value": "short", "masked": True},
                           headers={"PRIVATE-TOKEN": "demo-token"}, timeout=5)  # fmt: skip
    assert answer.status_code == 400 and answer.json() == {"message": {"value": ["is invalid"]}}


def test_a_trigger_carried_out_twice_triggers_one_pipeline_marked_with_its_key(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    bot.service.channels.environ = {"DIBA_TRIGGER_TOKEN": "trigger-secret"}
    key = "DIBA-2026-0001/step3-forward-2-0/0"
    effect = PlayJob(key, OPS, None, None, "", None, (("VERSION", "3.2.1"),), "main",
                     "DIBA_TRIGGER_TOKEN")  # fmt: skip
    play_job(effect, bot.service.channels)
    play_job(effect, bot.service.channels)  # the outbox did not record it done: again
    triggered = [p for p in emulator.projects[12]["pipelines"] if p.get("source") == "trigger"]
    assert len(triggered) == 1
    assert triggered[0]["variables"] == {"VERSION": "3.2.1", "DEPLOYBOT_KEY": key}
    jobs = bot.service.channels.gitlab_jobs
    assert jobs is not None
    found = jobs.triggered(OPS, "main", key)
    assert found is not None and found[0] == triggered[0]["id"]


TRIGGERED = {
    **STEP3,
    "deploy": [STEP3["deploy"][0],
               {"component": "iam-sync", "trigger": {
                   "project": OPS, "ref": "main", "token_env": "DIBA_TRIGGER_TOKEN",
                   "variables": {"VERSION": "{version:iam-sync}"}}}],
}  # fmt: skip


@pytest.mark.parametrize("step3", [TRIGGERED])
def test_a_deploy_step_that_triggers_a_pipeline_is_followed_to_its_end(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    cycles(bot, 10)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "3", "2"]
    [triggered] = [p for p in emulator.projects[12]["pipelines"] if p.get("source") == "trigger"]
    assert triggered["variables"]["VERSION"] == "3.2.1"
    assert "✓ soffid/ops/diba@main (despliegue de iam-sync 3.2.1) ha terminado bien" in text(bot)


def test_jobs_that_ran_in_an_earlier_deployment_are_retried_and_their_new_runs_followed(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    for job in emulator.projects[12]["pipelines"][0]["jobs"]:
        job["status"] = "success"  # maintenance and restart ran last time
    started(bot)
    cycles(bot, 12)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "21", "3", "2"]
    ops = emulator.projects[12]["pipelines"][0]["jobs"]
    assert [j["name"] for j in ops if not j.get("retried")] == [
        "maintenance-on",
        "restart-consoles",
        "maintenance-off",
    ] and all(j["status"] == "success" and j["id"] > 9000 for j in ops if not j.get("retried"))


def config_file(bot: InProcess, tmp_path: Path) -> Path:
    """The service's configuration as a file, with its store, for the command line."""
    path = tmp_path / "deploybot.yaml"
    data = {**bot.config.model_dump(mode="json", exclude_defaults=True),
            "state": {"url": bot.service.store.url}}  # fmt: skip
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_show_and_gate_on_the_command_line_say_where_step_3_stands(
    world: tuple[InProcess, GitLabEmulator], tmp_path: Path
) -> None:
    bot, _ = world
    started(bot)
    cycles(bot, 2)
    path = config_file(bot, tmp_path)
    shown = CliRunner().invoke(main, ["show", bot.deployment().id, "--config", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "Step 3 (forward, running):" in shown.output
    assert "  success   maintenance-on  https://gitlab.example/soffid/ops/diba/-/jobs/1" in (
        shown.output
    )
    assert "  | ▶ deploy-production (despliegue de iam-sync 3.2.1) lanzado" in shown.output
    args = ["gate", "--project", ADDON, "--env", "PRO", "--config", str(path)]
    inside = CliRunner().invoke(main, [*args, "--ref", "3.2.11", "--json"])
    assert inside.exit_code == 0 and f'"deployment": "{bot.deployment().id}"' in inside.output
    outside = CliRunner().invoke(main, [*args, "--ref", "3.2.12"])
    assert outside.exit_code == 1
    assert outside.output.startswith(f"no hay despliegue en curso para {ADDON} 3.2.12 en PRO")


def test_a_job_missing_from_the_pipeline_holds_and_a_retry_finds_it_once_it_is_there(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    ops = emulator.projects[12]["pipelines"][0]["jobs"]
    restart = ops.pop(2)
    started(bot)
    cycles(bot, 8)
    missing = "no job 'restart-consoles' in the newest pipeline of soffid/ops/diba main"
    assert missing in html.unescape(text(bot))
    ops.append(restart)
    bot.zammad.person_notes(1, "/deploy retry")
    cycles(bot, 6)
    assert bot.deployment().state is State.COMPLETED, text(bot)
    assert plays(emulator) == ["1", "11", "21", "3", "2"]


def test_retry_or_continue_with_nothing_held_says_so(
    world: tuple[InProcess, GitLabEmulator],
) -> None:
    bot, emulator = world
    started(bot)
    bot.zammad.person_notes(1, "/deploy retry")
    bot.zammad.person_notes(1, "/deploy continue force: por si acaso")
    cycles(bot, 1)
    said = html.unescape(text(bot))
    assert said.count("ningún trabajo de GitLab del paso 3 retiene este despliegue") == 2
    assert "/deploy continue force: motivo" in said
    cycles(bot, 10)
    assert plays(emulator) == ["1", "11", "21", "3", "2"]  # nothing played twice
