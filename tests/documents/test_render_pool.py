"""The warm render children (competition/documents/render_pool.py): documents printed by a
child that stays up, in order and side by side; a child that dies or hangs is replaced and the
caller gets a RenderFailed naming what happened; nothing outside the static folder is fetched.
Real child processes, no mocks.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from competition.documents import render
from competition.documents.render_pool import PoolFailed, RenderPool


def text_of(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def page(words: str) -> str:
    return f"<html><body><p>{words}</p></body></html>"


@pytest.fixture
def pool(app):
    with app.test_request_context("/"):
        command = render.child_command()[:6] + ["--serve"]  # python -c CHILD file folder path
        made = RenderPool(command, 2)
        yield made
        made.close()


def test_a_warm_child_prints_document_after_document(pool):
    pool.warm()
    first = pool._all[0].process.pid
    for number in range(3):
        printed = pool.render(page(f"Document {number} Қазақстан"))
        assert printed.pages == 1 and f"Document {number}" in text_of(printed.data)
    assert pool._all[0].process.pid == first, "the child was not kept warm"
    assert len(pool._all) == 2


def test_several_documents_at_once_come_back_in_order(pool):
    printed = pool.render_many([page(f"Copy {n}") for n in range(5)])
    assert [f"Copy {n}" in text_of(p.data) for n, p in enumerate(printed)] == [True] * 5
    assert len(pool._all) <= 2


def test_a_child_that_dies_is_replaced(pool):
    pool.render(page("before"))
    for child in pool._all:
        child.process.kill()
        child.process.wait()
    with pytest.raises(PoolFailed, match="ended|failed"):
        pool.render(page("lost"))
    # the dead children are replaced one by one as they are used
    for _attempt in range(3):
        try:
            printed = pool.render(page("after"))
            break
        except PoolFailed:
            continue
    assert "after" in text_of(printed.data)
    assert all(child.alive() for child in pool._all)


def test_a_document_that_takes_too_long_is_stopped(pool):
    long = "<html><body>" + "<table>" + "<tr><td>x</td></tr>" * 20000 + "</table></body></html>"
    with pytest.raises(PoolFailed, match="ended"):
        pool.render(long, timeout=0.3)
    assert "fine" in text_of(pool.render(page("fine")).data)


def test_an_error_comes_back_as_the_failure_and_the_child_stays(pool):
    pool.warm()
    pids = {child.process.pid for child in pool._all}
    with pytest.raises(PoolFailed, match="Error"):
        pool.render(page("x"), origins=(5,))  # not an address: the child's fetcher refuses it
    assert "still" in text_of(pool.render(page("still")).data)
    assert pids & {child.process.pid for child in pool._all}


def test_the_child_fetches_only_the_apps_static_files(pool, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG not really")
    printed = pool.render(f'<html><body><img src="file://{secret}"><p>shown</p></body></html>')
    assert "shown" in text_of(printed.data)
    assert b"not really" not in printed.data


def test_the_app_uses_the_pool_and_zero_processes_means_one_off_children(app):
    with app.test_request_context("/"):
        assert render._pool() is not None
        warm = render.render_pdf_isolated(page("pooled"))
        app.config["WARM_RENDERERS"] = 0
        try:
            assert render._pool() is None
            cold = render.render_many_isolated([page("one-off"), page("two-off")])
        finally:
            app.config["WARM_RENDERERS"] = 2
    assert "pooled" in text_of(warm.data)
    assert ["one-off" in text_of(cold[0].data), "two-off" in text_of(cold[1].data)] == [True] * 2
