/**
 * Key schema of the two tables, shared by the CDK stack and the local runtime so they cannot drift.
 * Every key starts with the tenant, so the data model itself scopes each read to one tenant.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Deliveries by endpoint, newest first. */
  byEndpointIndex: 'gsi1',
  byEndpointPartitionKey: 'gsi1pk',
  byEndpointSortKey: 'gsi1sk',
  ttlAttribute: 'expires_at',
} as const;

export const keys = {
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'TENANT' }),
  apiKeyLookup: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),
  apiKeyListing: (tenantId: string, keyId: string) => ({ pk: `TENANT#${tenantId}`, sk: `APIKEY#${keyId}` }),
  endpoint: (tenantId: string, endpointId: string) => ({ pk: `TENANT#${tenantId}`, sk: `ENDPOINT#${endpointId}` }),
  event: (tenantId: string, eventId: string) => ({ pk: `EVENT#${tenantId}#${eventId}`, sk: 'EVENT' }),
  delivery: (tenantId: string, deliveryId: string) => ({ pk: `DELIVERY#${tenantId}#${deliveryId}`, sk: 'DELIVERY' }),
  recovery: (tenantId: string, recoveryId: string) => ({ pk: `RECOVERY#${tenantId}#${recoveryId}`, sk: 'RECOVERY' }),
  deliveriesOfEndpoint: (tenantId: string, endpointId: string) => `ENDPOINT#${tenantId}#${endpointId}`,
};
