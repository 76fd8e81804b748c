"""In development (`make run`), e-mail lands in var/mail/, one file per message."""

import email
import os
import subprocess
import sys
from pathlib import Path

from django.core import mail
from django.core.mail import EmailMessage

from mentoring.core.mail import FilePerMessageBackend

ROOT = Path(__file__).resolve().parents[2]


def test_each_message_gets_its_own_file(tmp_path):
    backend = FilePerMessageBackend(file_path=str(tmp_path))
    messages = [
        EmailMessage(f"Subject {n}", f"Body {n}", "from@example.test", [f"to{n}@example.test"])
        for n in range(3)
    ]
    # One connection, three messages in the same second: still three files.
    assert backend.send_messages(messages) == 3
    files = sorted(tmp_path.iterdir())
    assert len(files) == 3
    subjects = {email.message_from_bytes(f.read_bytes())["Subject"] for f in files}
    assert subjects == {"Subject 0", "Subject 1", "Subject 2"}


def test_send_mail_through_the_backend_writes_a_file(tmp_path, settings):
    settings.EMAIL_BACKEND = "mentoring.core.mail.FilePerMessageBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    mail.send_mail("Hello", "Body", "from@example.test", ["to@example.test"])
    mail.send_mail("Again", "Body", "from@example.test", ["to@example.test"])
    assert len(list((tmp_path / "mail").iterdir())) == 2


def test_local_settings_write_mail_to_var_mail():
    environment = {
        k: v for k, v in os.environ.items() if k not in ("EMAIL_BACKEND", "EMAIL_FILE_PATH")
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    backend, path = result.stdout.split()
    assert backend == "mentoring.core.mail.FilePerMessageBackend"
    assert Path(path) == ROOT / "var" / "mail"
