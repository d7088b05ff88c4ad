"""Configuration: file, environment overrides, and the README documenting every variable."""

import pytest

from relais.config import ENV_OVERRIDES, load_config
from relais.errors import RelaisError
from tests.helpers import ROOT


def test_defaults_live_in_the_data_directory(tmp_path):
    config = load_config(tmp_path, environ={})
    assert config.engine == "llama"
    assert config.db_url == f"sqlite:///{tmp_path / 'relais.db'}"
    assert config.limits.max_words == 20_000


def test_file_then_environment(tmp_path):
    (tmp_path / "config.toml").write_text(
        'engine = "openai"\n[engines.openai]\nbase_url = "http://a:1/v1"\nmodel = "m"\n[limits]\nmax_words = 10\n'
    )
    config = load_config(tmp_path, environ={"RELAIS_OPENAI_MODEL": "n", "RELAIS_MAX_WORDS": "20", "OPENAI_API_KEY": "k"})
    assert config.engine == "openai"
    assert config.engine_settings("openai") == {"base_url": "http://a:1/v1", "model": "n", "api_key": "k"}
    assert config.limits.max_words == 20


@pytest.mark.parametrize(
    "text, env, message",
    [
        ("engine = [", {}, "not valid TOML"),
        ("", {"RELAIS_MAX_WORDS": "many"}, "RELAIS_MAX_WORDS"),
        ("[limits]\nmax_pages = 3\n", {}, "bad setting"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path, text, env, message):
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(RelaisError, match=message):
        load_config(tmp_path, environ=env)


def test_readme_documents_every_environment_variable():
    readme = (ROOT / "README.md").read_text()
    for var in [*ENV_OVERRIDES, "RELAIS_HOME", "OPENAI_API_KEY"]:
        assert f"`{var}`" in readme, var


def test_review_and_publish_settings(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[review]\nclaim_idle = 900\n[publish.disclosure]\nfr = "Traduit   par l’IA,\\trelu par nos soins."\n', "utf-8"
    )
    config = load_config(tmp_path, environ={})
    assert config.review.claim_idle == 900.0
    assert config.publish.disclosure == {"fr": "Traduit par l’IA, relu par nos soins."}
    assert load_config(tmp_path, environ={"RELAIS_CLAIM_IDLE": "60"}).review.claim_idle == 60.0
    (tmp_path / "config.toml").write_text('[publish.disclosure]\nfr = "two\\nlines"\n', "utf-8")
    with pytest.raises(RelaisError, match="one line"):
        load_config(tmp_path, environ={})
    (tmp_path / "config.toml").write_text("[review]\nclaim_idle = 0\n", "utf-8")
    with pytest.raises(RelaisError, match="claim_idle"):
        load_config(tmp_path, environ={})
