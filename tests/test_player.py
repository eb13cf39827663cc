"""The recording player (recording/player.py): one self-contained block of HTML, frames computed from the
timeline, replayed in Chromium with play, scrubber and speed, in the student's language."""

from __future__ import annotations

import json
import re

from helpers import chromium, wait_for
from rolloutlab.recording import player
from test_plot import sample


def test_the_player_is_one_block_with_its_data_and_nothing_to_fetch():
    """No blank line (Markdown keeps the block as it is in the site), no URL, the data's `<` escaped, and the
    failed rollout's frames hold the new pods' pull errors."""
    page = player.html(sample("failed"), title="kubectl set image: 1.0.0 -> 2.0.0")
    assert "\n\n" not in page
    assert not re.search(r"https?://", page)
    data = json.loads(re.search(r"<script type='application/json'>(.*?)</script>", page).group(1))
    states = {pod[3] for frame in data["frames"] for pod in frame["pods"]}
    assert {"ErrImagePull", "ImagePullBackOff", "Ready"} <= states
    assert [f["t"] for f in data["frames"]] == sorted(f["t"] for f in data["frames"])
    hostile = player.html(sample("failed"), title="</script><b>")
    assert hostile.count("</script>") == 2  # its own two elements' ends, not the title's
    assert "\\u003c/script>\\u003cb>" in hostile


def test_a_long_recording_is_sampled(monkeypatch):
    """Past MOST_FRAMES instants, frames are sampled, the first and the last kept."""
    monkeypatch.setattr(player, "MOST_FRAMES", 5)
    timeline = sample("rollback")
    shown = player.frames(timeline)
    assert len(shown) <= 7
    assert shown[-1]["t"] == round(timeline.end, 1)


def test_the_player_plays_and_scrubs_in_chromium_in_french(tmp_path, monkeypatch):
    """In Chromium, from a file: its words are French, Play advances the scrubber, and scrubbing through the failed
    rollout shows new pods in ErrImagePull and ImagePullBackOff on the nodes."""
    monkeypatch.setenv("LAB_LANG", "fr")
    page = tmp_path / "player.html"
    page.write_text(f"<!doctype html><meta charset='utf-8'><body>{player.html(sample('failed'))}</body>")
    driver = chromium(window="1200,900")
    try:
        driver.get(page.as_uri())
        play = driver.find_element("css selector", ".rl-play")
        assert play.text == "Lire"
        play.click()
        wait_for(lambda: int(driver.find_element("css selector", ".rl-scrub").get_attribute("value")) >= 2,
                 timeout=10, what="the player to advance")  # fmt: skip
        seen: set[str] = set()
        last = int(driver.find_element("css selector", ".rl-scrub").get_attribute("max"))
        for index in range(last + 1):
            driver.execute_script("const s=document.querySelector('.rl-scrub');s.value=arguments[0];"
                                  "s.dispatchEvent(new Event('input'))", index)  # fmt: skip
            seen |= {p.get_attribute("data-state") for p in driver.find_elements("css selector", ".rl-pod")}
        assert {"ErrImagePull", "ImagePullBackOff"} <= seen
    finally:
        driver.quit()


def test_two_players_on_one_page_each_draw_their_own(tmp_path):
    """A page with two recordings (lab 04's undo and its return to revision 1): each player has its own copy of the
    shared drawing, so both draw, and scrubbing one leaves the other where it was."""
    page = tmp_path / "players.html"
    page.write_text("<!doctype html><meta charset='utf-8'><body>"
                    f"{player.html(sample('failed'))}{player.html(sample('rollback'))}</body>")  # fmt: skip
    driver = chromium(window="1200,1400")
    try:
        driver.get(page.as_uri())
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        boxes = driver.find_elements("css selector", ".rl-player")
        drawn = [len(box.find_elements("css selector", ".rl-node")) for box in boxes]
        driver.execute_script("const s=arguments[0].querySelector('.rl-scrub');s.value=s.max;"
                              "s.dispatchEvent(new Event('input'))", boxes[0])  # fmt: skip
        clocks = [box.find_element("css selector", ".rl-clock").text for box in boxes]
    finally:
        driver.quit()
    assert errors == []
    assert len(boxes) == 2
    assert all(count >= 1 for count in drawn), drawn
    assert clocks[0] != clocks[1], clocks
    assert clocks[1].endswith(" 0.0 s"), clocks
