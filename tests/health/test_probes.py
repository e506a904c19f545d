from search.probe import SearchUnavailable, node_urls, probe, without_credentials


def test_credentials_never_appear_in_what_is_shown() -> None:
    shown = without_credentials("http://elastic:s3cret@search.city.example:9200/prefix")
    assert shown == "http://***@search.city.example:9200/prefix"
    assert without_credentials("http://127.0.0.1:9201") == "http://127.0.0.1:9201"


def test_a_cluster_is_its_nodes_urls_and_none_shows_a_password() -> None:
    url = "http://elastic:s3cret@es1.city.example:9200, http://elastic:s3cret@es2.city.example:9200,"
    assert node_urls(url) == ["http://elastic:s3cret@es1.city.example:9200",
                              "http://elastic:s3cret@es2.city.example:9200"]
    assert without_credentials(url) == "http://***@es1.city.example:9200,http://***@es2.city.example:9200"


def test_a_dead_engine_error_hides_the_password(unused_port: int) -> None:
    try:
        probe(f"http://elastic:s3cret@127.0.0.1:{unused_port}", timeout=1)
    except SearchUnavailable as exc:
        assert "s3cret" not in str(exc)
        assert f"127.0.0.1:{unused_port}" in str(exc)
    else:
        raise AssertionError("a dead engine must raise")
