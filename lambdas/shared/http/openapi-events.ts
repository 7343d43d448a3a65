import type { CatalogueEntry } from '../domain/event-catalogue';

type Json = Record<string, unknown>;

const componentName = (type: string) => `EventData_${type.replace(/[^A-Za-z0-9]/g, '_')}`;

/** A schema as a component of the document: its draft is the document's own (OpenAPI 3.1 is JSON Schema 2020-12). */
const asComponent = (entry: CatalogueEntry): Json => {
  const { $schema: _draft, ...schema } = (entry.schema ?? { type: 'object' }) as Json;
  return { ...schema, description: `${entry.description ? `${entry.description} ` : ''}(${entry.type}, schema version ${entry.version}; publish validation: ${entry.validation})`.trim() };
};

/**
 * Describes each event type's `data` by its catalogue schema (issue 28): the publish bodies
 * become a union of one object per type, `type` the type's name and `data` its schema (a
 * component `EventData_<type>`), so a client generated from the document types each event's data.
 */
export const withEventDataSchemas = <D extends { paths: Record<string, any>; components: { schemas: Json } }>(doc: D, catalogue: readonly CatalogueEntry[]): D => {
  for (const entry of catalogue) doc.components.schemas[componentName(entry.type)] = asComponent(entry);
  const perType = (base: Json) => {
    const { properties, required, ...rest } = base as { properties: Record<string, Json>; required?: string[] };
    return {
      oneOf: catalogue.map((entry) => ({
        ...rest,
        required,
        properties: { ...properties, type: { type: 'string', const: entry.type }, data: { $ref: `#/components/schemas/${componentName(entry.type)}` } },
      })),
    };
  };
  const single = doc.paths['/v1/events']?.post?.requestBody?.content?.['application/json'];
  if (single) single.schema = perType(single.schema);
  const batch = doc.paths['/v1/events/batch']?.post?.requestBody?.content?.['application/json']?.schema?.properties?.events;
  if (batch?.items) batch.items = perType(batch.items);
  return doc;
};
