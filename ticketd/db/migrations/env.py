import asyncio

from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from ticketd.db.schema import metadata

# An arbitrary constant: concurrent `ticketd` starts on one PostgreSQL database wait
# for each other here instead of racing to create the same tables.
MIGRATION_LOCK_ID = 7_471_100

# Every statement unnamed, none cached, so migrations also run through a pooler in
# transaction-pooling mode (pgbouncer), with or without TICKETD_DATABASE_POOLER: a
# named statement would stay on a server connection that the pooler next lends to
# another client. A migration's few statements lose nothing by it.
UNNAMED_STATEMENTS = {
    "statement_cache_size": 0,  # asyncpg's own cache
    "prepared_statement_cache_size": 0,  # SQLAlchemy's
    "prepared_statement_name_func": lambda: "",  # "" is PostgreSQL's unnamed statement
}


def run_migrations(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async(url: str) -> None:
    engine = create_async_engine(url, connect_args=UNNAMED_STATEMENTS)
    async with engine.begin() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


def main() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None, "ticketd.db.migrate sets sqlalchemy.url"
    if url.startswith("postgresql+asyncpg"):
        asyncio.run(run_async(url))
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        run_migrations(connection)
    engine.dispose()


main()
