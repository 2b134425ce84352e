"""Debian's headless chromium driven by selenium, for the dashboard's test and its screenshot for the docs.
The driver's path is given, so selenium downloads nothing (no Selenium Manager)."""
from __future__ import annotations

from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
MISSING = ("Debian's chromium and chromium-driver are not installed; run 'bash stack/browser.sh install' "
           "(make test does).")


def installed() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def chromium(width: int = 1400, height: int = 2500):
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},{height}", "--hide-scrollbars",
              # A page's timers must run at their pace: the dashboard refreshes on a timer.
              "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
              "--disable-backgrounding-occluded-windows"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def screenshot(url: str, out: Path, settle_s: float = 8.0) -> None:
    """A full-page picture of URL (after SETTLE_S for its first refreshes) into OUT."""
    import time

    driver = chromium()
    try:
        driver.get(url)
        time.sleep(settle_s)
        driver.set_window_size(1400, driver.execute_script("return document.body.scrollHeight") + 40)
        time.sleep(1.0)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


if __name__ == "__main__":
    # python -m tests.support.browser URL OUT.png: docs/dashboard.png is taken so from a `make run`'s page.
    import sys

    screenshot(sys.argv[1], Path(sys.argv[2]))
