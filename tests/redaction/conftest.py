from __future__ import annotations

import pytest

from app.models import Role
from tests.conftest import MakeUser
from tests.review.factories import Headers


@pytest.fixture
def clerk(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.clerk, username="cora.clerk"))


@pytest.fixture
def attorney(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.attorney, username="art.attorney"))


@pytest.fixture
def auditor(make_user: MakeUser, sign_in: Headers) -> dict[str, str]:
    return sign_in(make_user(Role.auditor, username="ada.auditor"))
