"""Save a screenshot of a page served by a running Byline (used for the README's picture).

Usage: python scripts/screenshot.py URL OUT.png [--width 1280] [--height 1600] [--caring]
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--caring", action="store_true")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        context = browser.new_context(viewport={"width": args.width, "height": args.height})
        if args.caring:
            host = args.url.split("/")[2].split(":")[0]
            context.add_cookies([{"name": "byline_reading", "value": "caring|standard|100|0000",
                                  "domain": host, "path": "/"}])
        page = context.new_page()
        page.goto(args.url)
        page.screenshot(path=args.out)
        browser.close()


if __name__ == "__main__":
    main()
