#!/bin/sh
# Chromium inside a network namespace, for the network suite (test/network/browser.ts): puppeteer launches this
# script as the browser with RTC_NETNS set to the namespace, and talks to Chromium over pipes (fds 3 and 4), which
# `ip netns exec` passes through. CHROME_PATH picks the Chromium (default /usr/bin/chromium).
set -eu
: "${RTC_NETNS:?set RTC_NETNS to the network namespace to run Chromium in}"
exec ip netns exec "$RTC_NETNS" "${CHROME_PATH:-/usr/bin/chromium}" "$@"
