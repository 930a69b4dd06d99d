"""What is deployed where: a customer's environments and components."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
)

from bot.config.base import (
    Localized,
    StrictModel,
)


class Environment(StrictModel):
    """A customer environment; the procedure applies to productive ones only."""

    name: str = Field(min_length=1, description="Its name (`PRO`, `PRE`).")
    productive: bool = Field(
        default=True, description="Whether deployments to it follow the procedure."
    )
    default: bool = Field(
        default=False,
        description="Whether it is the target when a request names none (else the first is).",
    )
    description: Localized = Field(
        default="",
        description=(
            "What the environment is, for emails and the report (one text or one per language)."
        ),
    )
    production_data: bool = Field(
        default=False,
        description=(
            "Whether it holds production data (said in emails and the report even when it is not "
            "the production environment)."
        ),
    )


class Component(StrictModel):
    """A deployable piece: a GitLab project whose release tags are the versions."""

    gitlab_project: str = Field(
        min_length=1,
        description=(
            "The GitLab project (`group/project`) whose releases are this component's versions."
        ),
    )
    artifact: Literal["release_link", "package"] = Field(
        default="release_link",
        description=(
            "Where the validated artifact is published: a release asset link (`release_link`) or "
            "the package registry (`package`)."
        ),
    )
    package_name: str | None = Field(
        default=None,
        description="The package's name in the registry (required with `artifact: package`).",
    )
    test_environment: str | None = Field(
        default=None,
        description=(
            "The environment whose deployments prove validation (default: "
            "`gitlab.test_environment`)."
        ),
    )
    validation: Literal["deployment", "manual"] = Field(
        default="deployment",
        description=(
            "`deployment`: a successful test deployment of the same commit proves validation; "
            "`manual`: the `validated-test` tag does."
        ),
    )
