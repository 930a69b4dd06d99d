"""Third-party clients as contract tests: zammad_py and zammadoo against the Zammad emulator,
python-gitlab beyond deploybot's own calls against the GitLab emulator. Each call here must work;
the calls the emulators deliberately leave out are listed in emulators/README.md."""

from __future__ import annotations

import gitlab
import pytest
import zammad_py
import zammadoo
from requests.exceptions import HTTPError

from emulators.server import RunningEmulator

DIBA = "soffid/addons/diba"


# -- zammad_py ---------------------------------------------------------------------------------


def zammad_py_api(emulator: RunningEmulator, token: str = "demo-token") -> zammad_py.ZammadAPI:
    return zammad_py.ZammadAPI(url=f"{emulator.url}/api/v1/", http_token=token)


def test_zammad_py_reads_users_organizations_and_tickets(zammad: RunningEmulator) -> None:
    api = zammad_py_api(zammad)
    me = api.user.me()
    assert me["login"] == "deploybot@provider.example"
    assert api.user.find(me["id"])["id"] == me["id"]
    assert any(u["login"] == me["login"] for u in api.user.all())
    assert [u["login"] for u in api.user.search("marta")]
    [org] = list(api.organization.search("Barcelona"))
    assert api.organization.find(org["id"])["name"] == "Diputació de Barcelona"
    assert len(list(api.organization.all())) >= 4
    ticket = api.ticket.find(1)
    assert ticket["number"] == "7412280"
    assert {t["id"] for t in api.ticket.all()} >= {1, 2, 3}
    found = list(api.ticket.search("7412280"))
    assert [t["id"] for t in found] == [1]
    assert api.group.all()
    with pytest.raises(HTTPError, match="Not authorized"):  # 6.2: roles need admin.role
        api.role.all()


def test_zammad_py_writes_tags_articles_and_tickets(zammad: RunningEmulator) -> None:
    api = zammad_py_api(zammad)
    api.ticket_tag.add(1, "third-party")
    assert "third-party" in api.ticket.tags(1)["tags"]
    api.ticket_tag.remove(1, "third-party")
    assert "third-party" not in api.ticket.tags(1)["tags"]
    article = api.ticket_article.create(
        {"ticket_id": 1, "body": "from zammad_py", "type": "note", "internal": True}
    )
    assert api.ticket_article.find(article["id"])["body"] == "from zammad_py"
    assert any(a["id"] == article["id"] for a in api.ticket.articles(1))
    created = api.ticket.create(
        {"title": "Created by zammad_py", "group": "Users", "customer_id": 3,
         "article": {"subject": "hello", "body": "first", "type": "note", "internal": False}}
    )  # fmt: skip
    assert api.ticket.find(created["id"])["title"] == "Created by zammad_py"
    updated = api.ticket.update(created["id"], {"title": "Renamed"})
    assert updated["title"] == "Renamed"
    admin = zammad_py_api(zammad, "admin-token")
    assert any(tag["name"] == "customer-validated" for tag in admin.taglist.all())


# -- zammadoo ----------------------------------------------------------------------------------


def zammadoo_client(emulator: RunningEmulator) -> zammadoo.Client:
    return zammadoo.Client(f"{emulator.url}/api/v1", http_token="demo-token")


def test_zammadoo_reads_and_searches(zammad: RunningEmulator) -> None:
    client = zammadoo_client(zammad)
    assert client.users.me().login == "deploybot@provider.example"
    [org] = list(client.organizations.search("Barcelona"))
    assert org.name == "Diputació de Barcelona"
    ticket = client.tickets(1)
    assert ticket.number == "7412280"
    assert "customer-validated" in ticket.tags()
    assert [t.id for t in client.tickets.search("7412280")] == [1]
    assert client.tags.search("customer") == ["customer-validated"]


def test_zammadoo_tags_a_ticket_and_writes_a_note(zammad: RunningEmulator) -> None:
    client = zammadoo_client(zammad)
    ticket = client.tickets(2)
    ticket.add_tags("zammadoo")
    assert "zammadoo" in client.tickets(2).tags()
    ticket.remove_tags("zammadoo")
    assert "zammadoo" not in client.tickets(2).tags()
    article = ticket.create_article("from zammadoo", typ="note", internal=True)
    assert article.body == "from zammadoo"


# -- python-gitlab -----------------------------------------------------------------------------


def test_python_gitlab_single_objects_and_lists(gitlab: RunningEmulator) -> None:
    gl = gitlab_api(gitlab)
    project = gl.projects.get(DIBA)
    latest = project.releases.get("permalink/latest")
    assert latest.tag_name == "3.2.11"
    [deployment] = project.deployments.list(per_page=1, get_all=False)
    assert project.deployments.get(deployment.id).sha == deployment.sha
    [pipeline] = project.pipelines.list(per_page=1, get_all=False)
    assert project.pipelines.get(pipeline.id).status == pipeline.status
    [environment] = project.environments.list(name="TEST")
    assert project.environments.get(environment.id).name == "TEST"
    commits = project.commits.list(get_all=True)
    assert commits and project.commits.get(commits[0].id).id == commits[0].id
    assert project.branches.get("main").name == "main"
    assert [b.name for b in project.branches.list(get_all=True)] == ["main"]
    assert project.mergerequests.list(get_all=True) == []


def gitlab_api(emulator: RunningEmulator) -> gitlab.Gitlab:
    return gitlab.Gitlab(emulator.url, private_token="demo-token")
