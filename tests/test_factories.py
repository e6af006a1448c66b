"""Every factory makes valid rows, and two of a kind do not collide on unique columns."""

import pytest

from callbacks.tests import factories as callback_factories
from campaigns.tests import factories as campaign_factories
from leads.tests import factories as lead_factories

FACTORIES = [
    factory
    for module in (lead_factories, campaign_factories, callback_factories)
    for name, factory in sorted(vars(module).items())
    if name.endswith("Factory") and getattr(factory, "__module__", "") == module.__name__
]


@pytest.mark.django_db
@pytest.mark.parametrize("factory", FACTORIES, ids=lambda factory: factory.__name__)
def test_factory_makes_two_valid_rows(factory):
    first, second = factory(), factory()
    for row in (first, second):
        row.full_clean()
    if factory is lead_factories.SystemSettingsFactory:
        assert first.pk == second.pk == 1
    else:
        assert first.pk != second.pk
