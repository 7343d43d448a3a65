import pkg from '../../package.json' with { type: 'json' };

/**
 * hookpost's version: the package's, one source for the OpenAPI document, the deliveries'
 * `User-Agent` and the SDKs (a test holds their own package files to it).
 */
export const VERSION: string = pkg.version;
