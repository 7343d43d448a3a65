/**
 * How the dashboard looks and where it may be embedded, from stack properties: the portal's
 * product name, logo and accent colour, and the origins that may frame it. Parsed the same way
 * by the stack (at synth, refusing a bad value with its name) and the docs function (at cold
 * start, from its environment).
 */
export interface PortalSettings {
  /** Origins allowed to frame the dashboard (CSP frame-ancestors); none: it cannot be framed. */
  frameAncestors: string[];
  productName: string;
  logoUrl?: string;
  /** `#rrggbb`. */
  accentColor?: string;
  /** `light` (the default), `dark`, or `auto` (the reader's system setting). */
  colorScheme?: 'light' | 'dark' | 'auto';
  /** A CSS font-family list (fonts the reader has: the page loads none). */
  fontFamily?: string;
  /** Corner radius of controls, CSS pixels (0-24). */
  radiusPx?: number;
}

/** A font-family list that can only be one: no character that could end a declaration. */
export const FONT_FAMILY = /^[A-Za-z0-9 ,'"-]{1,100}$/;
export const COLOR_SCHEMES = ['light', 'dark', 'auto'] as const;

export const DEFAULT_PRODUCT_NAME = 'hookpost';

const isLocal = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';

/** An origin a browser compares `frame-ancestors` with: https (http for this machine only), no path. */
export const parseOrigin = (name: string, raw: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}: "${raw}" is not an origin (like https://app.example.com)`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLocal(url.hostname));
  if (!secure) {
    throw new Error(
      `${name}: "${raw}" must be an https origin (like https://app.example.com); http is allowed only for this machine (localhost, 127.0.0.1, [::1]): the page that frames the portal holds a tenant's session, which must not cross a network unencrypted`,
    );
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || raw.replace(/\/$/, '') !== url.origin) {
    throw new Error(`${name}: "${raw}" must be an https origin with no path (like https://app.example.com): browsers compare frame-ancestors with the framing page's origin only`);
  }
  return url.origin;
};

export const parsePortalSettings = (input: { frameAncestors?: string; productName?: string; logoUrl?: string; accentColor?: string; colorScheme?: string; fontFamily?: string; radiusPx?: string | number }): PortalSettings => {
  const frameAncestors = (input.frameAncestors ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((o) => parseOrigin('portalFrameAncestors', o));
  const productName = (input.productName ?? '').trim() || DEFAULT_PRODUCT_NAME;
  if (productName.length > 60 || /[\u0000-\u001f<>]/.test(productName)) throw new Error('portalProductName: at most 60 characters, no < or > or control characters');
  let logoUrl: string | undefined;
  if (input.logoUrl) {
    const url = new URL(input.logoUrl.includes('://') ? input.logoUrl : 'invalid:');
    if (url.protocol !== 'https:') throw new Error(`portalLogoUrl: "${input.logoUrl}" must be an https URL`);
    logoUrl = url.href;
  }
  if (input.accentColor && !/^#[0-9a-fA-F]{6}$/.test(input.accentColor)) throw new Error(`portalAccentColor: "${input.accentColor}" must be #rrggbb`);
  if (input.colorScheme && !(COLOR_SCHEMES as readonly string[]).includes(input.colorScheme)) throw new Error(`portalColorScheme: "${input.colorScheme}" must be light, dark or auto`);
  if (input.fontFamily && !FONT_FAMILY.test(input.fontFamily)) throw new Error(`portalFontFamily: "${input.fontFamily}" must be a CSS font-family list (letters, digits, spaces, commas, quotes, hyphens)`);
  const radius = input.radiusPx === undefined || input.radiusPx === '' ? undefined : Number(input.radiusPx);
  if (radius !== undefined && !(Number.isInteger(radius) && radius >= 0 && radius <= 24)) throw new Error(`portalRadiusPx: "${input.radiusPx}" must be a whole number of pixels from 0 to 24`);
  return {
    frameAncestors,
    productName,
    ...(logoUrl ? { logoUrl } : {}),
    ...(input.accentColor ? { accentColor: input.accentColor.toLowerCase() } : {}),
    ...(input.colorScheme ? { colorScheme: input.colorScheme as PortalSettings['colorScheme'] } : {}),
    ...(input.fontFamily ? { fontFamily: input.fontFamily } : {}),
    ...(radius !== undefined ? { radiusPx: radius } : {}),
  };
};

/** The docs function's environment for these settings (the stack writes it, `loadDocsConfig` reads it). */
export const portalEnvironment = (s: PortalSettings): Record<string, string> => ({
  PORTAL_FRAME_ANCESTORS: s.frameAncestors.join(','),
  PORTAL_PRODUCT_NAME: s.productName,
  ...(s.logoUrl ? { PORTAL_LOGO_URL: s.logoUrl } : {}),
  ...(s.accentColor ? { PORTAL_ACCENT_COLOR: s.accentColor } : {}),
  ...(s.colorScheme ? { PORTAL_COLOR_SCHEME: s.colorScheme } : {}),
  ...(s.fontFamily ? { PORTAL_FONT_FAMILY: s.fontFamily } : {}),
  ...(s.radiusPx !== undefined ? { PORTAL_RADIUS_PX: String(s.radiusPx) } : {}),
});
