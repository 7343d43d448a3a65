import { SYSTEM_EVENT_TYPES } from '../shared/domain/catalogue';
import { createApiHandler } from '../shared/http/api-handler';
import { buildOpenApi } from '../shared/http/openapi';
import { withEventDataSchemas } from '../shared/http/openapi-events';
import type { CatalogueEntry } from '../shared/domain/event-catalogue';
import { buildSchemas } from '../shared/http/schemas';
import type { PortalSettings } from '../shared/portal-settings';
import { dashboardPage } from './dashboard';

/**
 * The public documents: the OpenAPI description and the tenant dashboard (a static page that
 * calls the tenant API from the browser with the key the tenant types in). A function of their
 * own, with no table, queue or secret behind it, and kept out of the publish path's bundle.
 */
export const createDocsHandler = (settings: { eventTypes: readonly string[]; catalogue: readonly CatalogueEntry[]; portal: PortalSettings }) => {
  let openApi: ReturnType<typeof buildOpenApi> | undefined;
  const dashboard = dashboardPage(settings.portal, [...settings.eventTypes, ...SYSTEM_EVENT_TYPES]);
  return createApiHandler(
    'docs',
    {
      'GET /openapi.json': async () => {
        openApi ??= withEventDataSchemas(buildOpenApi(buildSchemas(settings.eventTypes), settings.eventTypes), settings.catalogue);
        return { status: 200, body: openApi, headers: { 'cache-control': 'public, max-age=300' } };
      },
      'GET /dashboard': async () => ({ status: 200, raw: dashboard.html, headers: dashboard.headers }),
    },
    undefined,
  );
};
