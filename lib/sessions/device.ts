import { UAParser } from 'ua-parser-js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'unknown';

export interface DeviceInfo {
  type: DeviceType;
  /** "Chrome", "Safari", "Edge", "Samsung Internet"… or null when the user agent names none. */
  browser: string | null;
  /** Major version, e.g. "142". */
  browserVersion: string | null;
  /** "macOS", "Windows", "iOS", "Android"… */
  os: string | null;
  osVersion: string | null;
  /** How people name the device in one phrase: "Safari on iOS", "Chrome on macOS", "Unknown device". */
  label: string;
}

const DESKTOP_OSES = new Set(['Windows', 'macOS', 'Linux', 'Ubuntu', 'Debian', 'Fedora', 'Chrome OS', 'Chromium OS', 'FreeBSD', 'OpenBSD']);

const APPLE_OSES = new Set(['macOS', 'iOS', 'iPadOS', 'watchOS', 'visionOS']);

// ua-parser-js says "Mobile Safari" / "Mobile Chrome"; the device type already carries "mobile".
const BROWSER_NAMES: Record<string, string> = {
  'Mobile Safari': 'Safari',
  'Mobile Chrome': 'Chrome',
  'Mobile Firefox': 'Firefox',
  'Chrome WebView': 'Chrome',
  'Chrome Headless': 'Chrome',
  Chromium: 'Chromium',
};

const OS_NAMES: Record<string, string> = {
  'Chromium OS': 'ChromeOS',
  'Chrome OS': 'ChromeOS',
  'Mac OS': 'macOS',
};

/** Parses a User-Agent header into what a person recognises. Never throws; unknown parts are null. */
export function describeDevice(userAgent: string | null | undefined): DeviceInfo {
  const ua = (userAgent ?? '').trim();
  if (!ua) return { type: 'unknown', browser: null, browserVersion: null, os: null, osVersion: null, label: 'Unknown device' };

  const result = UAParser(ua.slice(0, 1024));
  const rawBrowser = result.browser.name ?? null;
  const rawOs = result.os.name ?? null;
  const os = rawOs ? (OS_NAMES[rawOs] ?? rawOs) : null;
  let browser = rawBrowser ? (BROWSER_NAMES[rawBrowser] ?? rawBrowser) : null;
  let browserVersion = result.browser.major ?? result.browser.version ?? null;
  // Safari runs only on Apple's systems. Elsewhere a Safari-shaped user agent is another WebKit browser that copies
  // Safari's (GNOME Web, WPE WebKit's cog, WebKitGTK apps), and its "Version/16.0" is the Safari it claims to match.
  if (browser === 'Safari' && os && !APPLE_OSES.has(os)) {
    browser = 'WebKit';
    browserVersion = null;
  }
  const osVersion = result.os.version ?? null;

  let type: DeviceType = 'unknown';
  const deviceType = result.device.type;
  if (deviceType === 'mobile' || deviceType === 'wearable') type = 'mobile';
  else if (deviceType === 'tablet') type = 'tablet';
  else if (deviceType === undefined && rawOs && DESKTOP_OSES.has(rawOs)) type = 'desktop';

  let label: string;
  if (browser && os) label = `${browser} on ${os}`;
  else if (browser) label = browser;
  else if (os) label = `${os} device`;
  else label = 'Unknown device';

  return { type, browser, browserVersion, os, osVersion, label };
}

/** "Chrome 142 · macOS 10.15.7": the versions, for a detail line under the label. */
export function describeVersions(device: DeviceInfo): string {
  const parts: string[] = [];
  if (device.browser) parts.push(device.browserVersion ? `${device.browser} ${device.browserVersion}` : device.browser);
  if (device.os) parts.push(device.osVersion ? `${device.os} ${device.osVersion}` : device.os);
  return parts.join(' · ');
}

const TYPE_WORDS: Record<DeviceType, string> = {
  desktop: 'Desktop',
  mobile: 'Phone',
  tablet: 'Tablet',
  unknown: 'Device',
};

export function describeDeviceType(type: DeviceType): string {
  return TYPE_WORDS[type];
}

/** What "the same device" means for anomaly hints and known devices: type, OS and browser, no versions. */
export function deviceKey(device: DeviceInfo): string {
  return `${device.type}|${device.os ?? '?'}|${device.browser ?? '?'}`;
}
