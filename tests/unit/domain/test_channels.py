"""Channel preferences and the keys of channel copies."""

from __future__ import annotations

import pytest

from backend.domain.channels import (
    Channel,
    ChannelPreferences,
    InvalidPreferences,
    Topic,
    base_key,
    channel_key,
)


def test_a_topic_not_chosen_goes_by_every_channel() -> None:
    assert ChannelPreferences().channels_for(Topic.REMINDERS) == {Channel.EMAIL, Channel.TELEGRAM}


def test_documents_always_go_by_email_and_no_topic_goes_nowhere() -> None:
    prefs = ChannelPreferences().choose(Topic.ANNOUNCEMENTS, [Channel.TELEGRAM])
    assert prefs.channels_for(Topic.ANNOUNCEMENTS) == {Channel.TELEGRAM}
    with pytest.raises(InvalidPreferences):
        prefs.choose(Topic.DOCUMENTS, [Channel.TELEGRAM])
    with pytest.raises(InvalidPreferences):
        prefs.choose(Topic.OVERDUE, [])


def test_the_email_copy_keeps_the_key_and_others_undo_to_it() -> None:
    assert channel_key("p1:due:7", Channel.EMAIL) == "p1:due:7"
    assert channel_key("p1:due:7", Channel.TELEGRAM) == "p1:due:7|telegram"
    assert base_key("p1:due:7|telegram") == "p1:due:7"
    assert base_key("a|b") == "a|b"  # a bar that is not a channel stays
