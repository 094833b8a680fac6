"""An isolated workspace per test, reached through an in-process app."""

from dataclasses import dataclass

import httpx

from ticketd.app import Services
from ticketd.demo import DEMO_CONFIG
from ticketd.people.actors import SYSTEM
from ticketd.series.config_file import ConfigFile
from ticketd.settings import Settings
from ticketd.workspaces import service as workspaces


def settings_for(url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": url, "rate_limit_per_second": 10_000}
    return Settings(**{**values, **overrides})


@dataclass
class Workspace:
    id: str
    key: str
    client: httpx.AsyncClient
    services: Services

    async def configure(self, **changes: object) -> None:
        config = {**DEMO_CONFIG, **changes}
        await workspaces.apply_config(
            self.services.db,
            self.services.cache,
            workspace_id=self.id,
            config=ConfigFile.model_validate(config).to_settings(),
            actor=SYSTEM,
        )


async def new_workspace(
    services: Services, client: httpx.AsyncClient, **config: object
) -> Workspace:
    workspace_id = await workspaces.create_workspace(
        services.db, name="Test workspace", actor=SYSTEM
    )
    key, _ = await workspaces.create_api_key(services.db, workspace_id=workspace_id, actor=SYSTEM)
    workspace = Workspace(workspace_id, key, client, services)
    await workspace.configure(**config)
    return workspace
