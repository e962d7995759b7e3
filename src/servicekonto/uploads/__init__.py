"""Uploaded files (DESIGN §8, issue 12 item 2): checks (`check.py`), the malware-scan port
(`scan.py`, ClamAV adapter `clamd.py`) and the pipeline a feature calls (`intake.py`). Layer 5:
no web framework; German texts for the refusals live in `web/i18n.py` (`upload.error.<code>`)."""
