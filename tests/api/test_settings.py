from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings
from graph.errors import InvalidParameter


def test_settings_default_to_a_local_data_directory() -> None:
    settings = Settings.from_env({})
    assert settings.store_location == Path("data")
    assert (settings.max_body_bytes, settings.query_timeout, settings.max_rows) == (5_000_000, 10.0, 10_000)
    assert settings.admin_token is None


def test_a_store_url_wins_over_the_data_directory() -> None:
    settings = Settings.from_env(
        {
            "MKG_DATA_DIR": "/srv/mkg",
            "MKG_STORE": "http://localhost:7878",
            "MKG_ADMIN_TOKEN": "t",
            "MKG_MAX_BODY_BYTES": "1000",
            "MKG_QUERY_TIMEOUT": "2.5",
            "MKG_MAX_ROWS": "7",
            "MKG_UNRELATED": "x",
        }
    )
    assert settings.store_location == "http://localhost:7878"
    assert settings.data_dir == Path("/srv/mkg")
    assert (settings.admin_token, settings.max_body_bytes, settings.query_timeout, settings.max_rows) == (
        "t",
        1000,
        2.5,
        7,
    )


@pytest.mark.parametrize(
    "env", [{"MKG_MAX_ROWS": "many"}, {"MKG_QUERY_TIMEOUT": "-1"}, {"MKG_MAX_BODY_BYTES": "0"}]
)
def test_bad_numbers_in_the_environment_are_named_in_the_error(env: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter, match=next(iter(env))):
        Settings.from_env(env)
