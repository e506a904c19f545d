from search.probe import SearchUnavailable, probe, without_credentials


def test_credentials_never_appear_in_what_is_shown() -> None:
    shown = without_credentials("http://elastic:s3cret@search.city.example:9200/prefix")
    assert shown == "http://***@search.city.example:9200/prefix"
    assert without_credentials("http://127.0.0.1:9201") == "http://127.0.0.1:9201"


def test_a_dead_engine_error_hides_the_password(unused_port: int) -> None:
    try:
        probe(f"http://elastic:s3cret@127.0.0.1:{unused_port}", timeout=1)
    except SearchUnavailable as exc:
        assert "s3cret" not in str(exc)
        assert f"127.0.0.1:{unused_port}" in str(exc)
    else:
        raise AssertionError("a dead engine must raise")
