# shellcheck shell=bash
# Sourced by scripts/test.sh and .ci/run: the Debian packages the suites need that this machine lacks, one a line.
#   chromium, firefox-esr  the e2e engines (Firefox over WebDriver BiDi, patches/README.md); Playwright's own builds
#                          (npx playwright install chromium firefox) stand in, tools/stack/browsers.ts picks one each
#   cog, wpewebkit-driver  WPE WebKit and its W3C WebDriver (test/webkit)
#   redis-server           the Redis backend's tests and test/multi-instance
missing_system_packages() {
  local own="${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"
  [[ -x /usr/bin/chromium ]] || [[ -n "$(ls -d "$own"/chromium-* 2>/dev/null)" ]] || echo chromium
  [[ -x /usr/bin/firefox-esr ]] || [[ -n "$(ls -d "$own"/firefox-* 2>/dev/null)" ]] || echo firefox-esr
  [[ -x /usr/bin/cog ]] || echo cog
  [[ -x /usr/bin/WPEWebDriver ]] || echo wpewebkit-driver
  command -v redis-server >/dev/null 2>&1 || echo redis-server
}
