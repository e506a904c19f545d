from tests.letters.conftest import make_request

__all__ = ["make_request"]
