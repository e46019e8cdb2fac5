from tests.selfcheck.test_reminders import smtp  # noqa: F401  (the real SMTP server fixture)
