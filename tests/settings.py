"""Test settings: the real settings, with a fixed key, fast hashing and the database chosen by the Makefile.

``PIAOPS_TEST_DB=postgres`` runs the suite on ``PIAOPS_TEST_DATABASE_URL``; otherwise on SQLite (in memory).
"""

import os

os.environ.setdefault("PIAOPS_SECRET_KEY", "piaops-test-key-not-secret-0123456789abcdef")
os.environ.setdefault("PIAOPS_DEBUG", "0")

from piaops.settings import *  # noqa: E402,F403
from piaops.settings import database_from_url  # noqa: E402

if os.environ.get("PIAOPS_TEST_DB") == "postgres":
    _db = database_from_url(os.environ["PIAOPS_TEST_DATABASE_URL"])
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}"}
    DATABASES = {"default": _db}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Argon2 is the production hasher (tested in tests/tenancy/test_settings.py); tests use a fast one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The test client speaks plain HTTP; production redirects to HTTPS (tests/core/test_deploy.py checks that).
SECURE_SSL_REDIRECT = False
