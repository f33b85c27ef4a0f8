"""Uploads spooled to disk leave nothing behind, even when the process is killed mid-upload."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse

from exams.models import ScanBatch
from gradebook.uploads import AnonymousTemporaryFileUploadHandler

REPO = Path(__file__).resolve().parents[2]


def test_an_upload_being_received_has_no_name_on_disk(tmp_path, settings):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    handler = AnonymousTemporaryFileUploadHandler()
    handler.new_file("files", "scan.pdf", "application/pdf", None)
    handler.receive_data_chunk(b"%PDF-1.7\n" + bytes(2**20), 0)
    assert list(tmp_path.iterdir()) == []
    uploaded = handler.file_complete(2**20 + 9)
    assert (uploaded.name, uploaded.size, uploaded.read(8)) == ("scan.pdf", 2**20 + 9, b"%PDF-1.7")
    uploaded.close()


def test_a_process_killed_mid_upload_leaves_no_temporary_file(tmp_path):
    """The worker receiving an upload is killed (SIGKILL: no cleanup runs at all)."""
    script = textwrap.dedent(
        f"""
        import django, os, sys
        os.environ["DJANGO_SETTINGS_MODULE"] = "gradebook.settings"
        django.setup()
        from django.conf import settings
        settings.FILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}
        from gradebook.uploads import AnonymousTemporaryFileUploadHandler
        handler = AnonymousTemporaryFileUploadHandler()
        handler.new_file("files", "scan.pdf", "application/pdf", None)
        handler.receive_data_chunk(b"x" * 2**20, 0)
        print("receiving", flush=True)
        sys.stdin.read()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    try:
        assert proc.stdout.readline() == b"receiving\n"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_a_large_scan_upload_goes_through_the_anonymous_file(
    client, cast, media_root, settings, tmp_path
):
    from PIL import Image

    from exams.scanning.fakescan import scanner_pdf

    spool = tmp_path / "uploads"
    spool.mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool to disk past 1 KB
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    jpeg = io.BytesIO()
    Image.effect_noise((400, 560), 30).convert("L").save(jpeg, format="JPEG")
    pdf = scanner_pdf([jpeg.getvalue()], 100)
    client.force_login(cast.instructor.user)
    upload = io.BytesIO(pdf)
    upload.name = "tray.pdf"
    response = client.post(reverse("scan_upload", args=[cast.exam.pk]), {"files": [upload]})
    assert response.status_code == 302
    batch = ScanBatch.objects.get(exam=cast.exam)
    assert batch.file.read() == pdf
    assert list(spool.iterdir()) == []
