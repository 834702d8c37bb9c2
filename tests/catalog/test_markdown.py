from __future__ import annotations

import pytest

from catalog.markdown import render_markdown


@pytest.mark.parametrize(
    "image",
    [
        "![pixel](https://tracker.example/p.gif?reader=1)",
        "![pixel](http://tracker.example/p.gif)",
        "![pixel](//tracker.example/p.gif)",
        "![pixel](HTTPS://tracker.example/p.gif)",
        '<img src="/\\tracker.example/p.gif" alt="pixel">',
        '<img src=" https://tracker.example/p.gif" alt="pixel">',
    ],
)
def test_external_images_are_dropped(image):
    html = render_markdown(image)
    assert "tracker.example" not in html and "src=" not in html


@pytest.mark.parametrize(
    "image",
    ["![logo](/static/img/favicon.svg)", "![chart](charts/orders.png)", "![dot](data:image/png;base64,iVBORw0KGgo=)"],
)
def test_same_origin_and_data_images_are_kept(image):
    src = image.split("(", 1)[1].rstrip(")")
    assert f'src="{src}"' in render_markdown(image)


def test_links_keep_their_address_but_never_a_data_url():
    assert 'href="https://docs.example/x"' in render_markdown("[docs](https://docs.example/x)")
    assert "data:" not in render_markdown("[x](data:text/html;base64,PHNjcmlwdD4=)")
