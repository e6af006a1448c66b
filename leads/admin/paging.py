"""Pages of changelists over big tables: the count under the page links is exact up to
``EXACT_COUNT_UP_TO`` rows and PostgreSQL's estimate beyond (``fastsql.count_bounded``), so a
page view never counts millions of rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from leadhub.db import fastsql

EXACT_COUNT_UP_TO = 10_000


class EstimatedCountPaginator(Paginator):
    """A Paginator whose ``count`` may be an estimate (``count_is_estimate`` then says so).
    The last pages of an estimated count may be empty or missing."""

    count_is_estimate = False

    @cached_property
    def count(self) -> int:
        count, exact = fastsql.count_bounded(self.object_list, exact_up_to=EXACT_COUNT_UP_TO)
        self.count_is_estimate = not exact
        return count
