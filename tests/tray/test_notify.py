"""Where each notification goes: the icon's own, or the platform's service for alerts."""

from __future__ import annotations

from tray.notify import Notice, Notifier

REMINDER = Notice("Your shift starts in 15 minutes", "data-platform: today 12:00 – 20:00")
ALERT = Notice("Alert for you: Disk full", "data-platform · critical", url="https://teams.microsoft.com/l/1", urgent=True)


class Icon:
    def __init__(self, has_notification=True):
        self.has_notification = has_notification
        self.shown = []

    def notify(self, title, body):
        self.shown.append(title)


class Native:
    def __init__(self, fails=False, available=True):
        self.shown = []
        self.fails = fails
        self.usable = available

    async def available(self):
        return self.usable

    async def show(self, notice):
        if self.fails:
            raise OSError("no notification service on the session bus")
        self.shown.append(notice.title)


async def test_reminders_use_the_icons_own_notifications_and_alerts_the_native_ones_for_their_open_action():
    icon, native = Icon(), Native()
    notifier = Notifier(icon, native)
    await notifier.show(REMINDER)
    await notifier.show(ALERT)
    assert (icon.shown, native.shown) == ([REMINDER.title], [ALERT.title])


async def test_an_icon_without_notifications_leaves_everything_to_the_native_service():
    icon, native = Icon(has_notification=False), Native()
    await Notifier(icon, native).show(REMINDER)
    assert (icon.shown, native.shown) == ([], [REMINDER.title])


async def test_without_a_native_service_alerts_still_show_through_the_icon():
    icon = Icon()
    await Notifier(icon, None).show(ALERT)
    assert icon.shown == [ALERT.title]


async def test_a_notification_that_cannot_be_shown_is_logged_not_raised(caplog):
    await Notifier(None, Native(fails=True)).show(REMINDER)
    assert "could not show the notification" in caplog.text


async def test_a_native_service_that_does_nothing_here_is_not_used():
    icon, native = Icon(), Native(available=False)
    await Notifier(icon, native).show(ALERT)
    assert (icon.shown, native.shown) == ([ALERT.title], [])
