"""Settings that derive from others."""

from __future__ import annotations

from accord.config import Settings


def test_workflow_links_follow_the_embedded_ui_port_unless_a_ui_url_is_set() -> None:
    assert Settings(temporal_ui_port=18300, temporal_ui_url="").temporal_ui_url == "http://127.0.0.1:18300"
    external = Settings(temporal_ui_port=18300, temporal_ui_url="https://temporal.example.net")
    assert external.temporal_ui_url == "https://temporal.example.net"
