"""The deployment files in deploy/ agree with the code they run."""

import configparser
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# How the settings and the deploy scripts read a variable.
READS = re.compile(r'(?:os\.environ(?:\.get)?\(|os\.environ\[|env_bool\(|env_list\()"([A-Z_]+)"')
# s3_settings.s3_storage reads its variables from the mapping it is given (os.environ).
MAPPING_READS = re.compile(r'\benv(?:\.get\(|\[)"([A-Z0-9_]+)"')
SCRIPT_READS = re.compile(r"\$\{([A-Z_]+)[-:}]")
# Set by pytest itself, never by a site.
NOT_SITE_SETTINGS = {"PYTEST_VERSION"}


def example_names() -> set[str]:
    text = (DEPLOY / "leadhub.env.example").read_text()
    return set(re.findall(r"^#?([A-Z0-9_]+)=", text, flags=re.MULTILINE))


def settings_reads() -> set[str]:
    """The variables the settings read: settings.py and the storage settings it calls."""
    read = set(READS.findall((ROOT / "leadhub" / "settings.py").read_text()))
    return read | set(MAPPING_READS.findall((ROOT / "leadhub" / "s3_settings.py").read_text()))


def test_the_example_environment_names_every_variable_the_settings_read():
    read = settings_reads() - NOT_SITE_SETTINGS

    assert read, "no variable found: the pattern no longer matches settings.py"
    assert sorted(read - example_names()) == []


def test_the_example_environment_names_only_variables_something_reads():
    read = settings_reads()
    for script in DEPLOY.glob("run-*"):
        read |= set(SCRIPT_READS.findall(script.read_text()))

    assert sorted(example_names() - read) == []


def test_every_unit_runs_a_script_or_command_of_this_checkout():
    for unit in DEPLOY.glob("*.service"):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(unit)
        command = parser["Service"]["ExecStart"].split()[0]
        relative = Path(command).relative_to("/srv/leadhub")

        assert (ROOT / relative).exists() or relative == Path(".venv/bin/python"), unit.name
        if relative.parts[0] == "deploy":
            assert os.access(ROOT / relative, os.X_OK), unit.name
    timers = {timer.stem for timer in DEPLOY.glob("*.timer")}
    assert timers <= {unit.stem for unit in DEPLOY.glob("*.service")}
