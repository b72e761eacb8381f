"""The one place settings read the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def database(default: str = environ.Env.NOTSET, *, conn_max_age: int = 0) -> dict:
    """The database at `DATABASE_URL`. Its connections live `DATABASE_CONN_MAX_AGE` seconds
    across requests (0: closed after each) and are checked before each reuse, so a server
    restart costs one failed check, not a failed request."""
    config = env.db("DATABASE_URL", default=default)
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=conn_max_age)
    config["CONN_HEALTH_CHECKS"] = True
    return config
