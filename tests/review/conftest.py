from __future__ import annotations

import pytest

from app.models import Role
from tests.conftest import MakeUser
from tests.review.factories import Headers


@pytest.fixture
def clerk(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.clerk))


@pytest.fixture
def attorney(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.attorney))


@pytest.fixture
def auditor(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.auditor))


@pytest.fixture
def admin(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.admin))
