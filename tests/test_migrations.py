"""The migrations in the repository match the models (no forgotten makemigrations)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_have_no_unmigrated_changes():
    # Exits non-zero (SystemExit) and names the changes when a migration is missing.
    call_command("makemigrations", "--check", "--dry-run", verbosity=1)
