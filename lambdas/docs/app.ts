import { createApiHandler } from '../shared/http/api-handler';
import { buildOpenApi } from '../shared/http/openapi';
import { buildSchemas } from '../shared/http/schemas';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard';

/**
 * The public documents: the OpenAPI description and the tenant dashboard (a static page that
 * calls the tenant API from the browser with the key the tenant types in). A function of their
 * own, with no table, queue or secret behind it, and kept out of the publish path's bundle.
 */
export const createDocsHandler = (settings: { eventTypes: readonly string[] }) => {
  let openApi: ReturnType<typeof buildOpenApi> | undefined;
  return createApiHandler(
    'docs',
    {
      'GET /openapi.json': async () => {
        openApi ??= buildOpenApi(buildSchemas(settings.eventTypes), settings.eventTypes);
        return { status: 200, body: openApi, headers: { 'cache-control': 'public, max-age=300' } };
      },
      'GET /dashboard': async () => ({
        status: 200,
        raw: DASHBOARD_HTML,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': DASHBOARD_CSP,
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'x-frame-options': 'DENY',
        },
      }),
    },
    undefined,
  );
};
