import { describe, expect, it } from 'vitest';
import { describeDevice, describeVersions, deviceKey } from './device';

// Real User-Agent strings of current browsers (late 2025).
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.3595.65',
  samsungInternet:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile Safari/537.36',
  chromePixel:
    'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/142.0.7444.46 Mobile/15E148 Safari/604.1',
  // WPE WebKit 2.38's cog (Debian 12; what the WebDriver tests drive), and GNOME Web: Safari's user agent on Linux.
  wpeCog: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Safari/605.1.15',
};

describe('describeDevice', () => {
  it.each([
    ['Chrome on Windows', UA.chromeWindows, 'desktop', 'Chrome', '142', 'Windows', '10'],
    ['Chrome on macOS', UA.chromeMac, 'desktop', 'Chrome', '142', 'macOS', '10.15.7'],
    ['Safari on macOS', UA.safariMac, 'desktop', 'Safari', '26', 'macOS', '10.15.7'],
    ['Safari on iOS', UA.safariIphone, 'mobile', 'Safari', '26', 'iOS', '26.1'],
    ['Safari on iOS', UA.safariIpad, 'tablet', 'Safari', '26', 'iOS', '26.1'],
    ['Firefox on Windows', UA.firefoxWindows, 'desktop', 'Firefox', '145', 'Windows', '10'],
    ['Firefox on Linux', UA.firefoxLinux, 'desktop', 'Firefox', '145', 'Linux', null],
    ['Edge on Windows', UA.edgeWindows, 'desktop', 'Edge', '142', 'Windows', '10'],
    ['Samsung Internet on Android', UA.samsungInternet, 'mobile', 'Samsung Internet', '29', 'Android', '10'],
    ['Chrome on Android', UA.chromePixel, 'mobile', 'Chrome', '142', 'Android', '14'],
    ['Chrome on iOS', UA.chromeIphone, 'mobile', 'Chrome', '142', 'iOS', '18.7'],
    ['WebKit on Linux', UA.wpeCog, 'desktop', 'WebKit', null, 'Linux', null],
  ])('%s ← %s', (label, ua, type, browser, browserVersion, os, osVersion) => {
    expect(describeDevice(ua)).toEqual({ label, type, browser, browserVersion, os, osVersion });
  });

  it('never uses the raw user agent as the label', () => {
    for (const ua of [...Object.values(UA), 'curl/8.5.0', 'node', 'Mozilla/5.0 (compatible; weird)']) {
      expect(describeDevice(ua).label).not.toContain('Mozilla');
      expect(describeDevice(ua).label).not.toContain('curl');
    }
  });

  it('says "Unknown device" for a missing or unparseable user agent', () => {
    expect(describeDevice(null)).toMatchObject({ type: 'unknown', label: 'Unknown device', browser: null, os: null });
    expect(describeDevice('   ')).toMatchObject({ type: 'unknown', label: 'Unknown device' });
    expect(describeDevice('curl/8.5.0')).toMatchObject({ type: 'unknown', label: 'Unknown device' });
  });

  it('tells an iPhone from an iPad running the same Safari', () => {
    expect(deviceKey(describeDevice(UA.safariIphone))).not.toBe(deviceKey(describeDevice(UA.safariIpad)));
    expect(deviceKey(describeDevice(UA.chromeMac))).toBe('desktop|macOS|Chrome');
  });

  it('ignores versions in the device key (an update is not a new device)', () => {
    const older = UA.chromeMac.replace('Chrome/142', 'Chrome/139');
    expect(deviceKey(describeDevice(older))).toBe(deviceKey(describeDevice(UA.chromeMac)));
  });

  it('formats the versions for the detail line', () => {
    expect(describeVersions(describeDevice(UA.chromeMac))).toBe('Chrome 142 · macOS 10.15.7');
    expect(describeVersions(describeDevice(UA.firefoxLinux))).toBe('Firefox 145 · Linux');
    expect(describeVersions(describeDevice(null))).toBe('');
  });
});
