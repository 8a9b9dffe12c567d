#!/usr/bin/python3
"""Keeps the ingest's dashboard open in headless Chromium until SIGTERM.

    /usr/bin/python3 bench/dashboard_open.py http://127.0.0.1:8088/   # an API without -api-token

For feature-cost runs (bench/players.py REF_COMPANION): the page polls the API
and holds the live event stream open the way a user's browser tab does.
Debian's /usr/bin/python3 finds python3-selenium; chromium and chromium-driver
come from apt. Prints "open" once the page has loaded.
"""
import shutil
import signal
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def main():
    url = sys.argv[1]
    opts = Options()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="dash-profile.")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=opts)
    done = []
    signal.signal(signal.SIGTERM, lambda *_: done.append(1))
    try:
        driver.get(url)
        print("open", flush=True)
        while not done:
            signal.pause()
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
