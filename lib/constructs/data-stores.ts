import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DUE_INDEX_ATTRIBUTES, TABLE_KEYS } from '../../lambdas/shared/adapters/tables';

export interface DataStoresProps {
  /** What happens to the tables and the master key on `cdk destroy`. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The configs table (tenants, API key hashes, endpoints with sealed secrets), the deliveries
 * table (deliveries with their attempts in their endpoint's partition, the events that need
 * retries, recovery jobs; TTL retention), and the master key that seals endpoint secrets.
 */
export class DataStores extends Construct {
  public readonly configTable: Table;
  public readonly deliveriesTable: Table;
  public readonly masterKey: Secret;
  /**
   * The customer-managed KMS key (rotated yearly) that encrypts both tables, the master key
   * secret and the delivery queues at rest: revoking it cuts off every copy of tenant data.
   */
  public readonly dataKey: Key;

  constructor(scope: Construct, id: string, props: DataStoresProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const k = TABLE_KEYS;
    this.dataKey = new Key(this, 'DataKey', {
      description: 'hookpost: encrypts the tables, the master key secret and the delivery queues',
      enableKeyRotation: true,
      removalPolicy,
    });
    const common = {
      partitionKey: { name: k.partitionKey, type: AttributeType.STRING },
      sortKey: { name: k.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    };
    // The tenants' rate-limit windows in the configs table expire by TTL as well.
    this.configTable = new Table(this, 'ConfigTable', { ...common, timeToLiveAttribute: k.ttlAttribute });
    this.deliveriesTable = new Table(this, 'DeliveriesTable', { ...common, timeToLiveAttribute: k.ttlAttribute });
    // Sparse: only deliveries waiting for an attempt carry its keys (the sweep reads it).
    this.deliveriesTable.addGlobalSecondaryIndex({
      indexName: k.dueIndex.name,
      partitionKey: { name: k.dueIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: k.dueIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...DUE_INDEX_ATTRIBUTES],
    });
    // Sparse: only failed deliveries carry its key (the failed-only history page, recoveries).
    // And by tenant, across its endpoints (the failures view).
    for (const index of [k.failedIndex, k.tenantFailedIndex]) {
      this.deliveriesTable.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    // Sparse, keys only, on both tables: a tenant's items outside its own partitions (its erasure reads them).
    for (const table of [this.configTable, this.deliveriesTable]) {
      table.addGlobalSecondaryIndex({
        indexName: k.tenantItemsIndex.name,
        partitionKey: { name: k.tenantItemsIndex.partitionKey, type: AttributeType.STRING },
        projectionType: ProjectionType.KEYS_ONLY,
      });
    }
    this.masterKey = new Secret(this, 'MasterKey', {
      description: 'hookpost master key: seals every endpoint signing secret (AES-256-GCM)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      encryptionKey: this.dataKey,
      removalPolicy,
    });
    Validations.of(this.masterKey).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The master key seals every endpoint secret; rotating it means re-sealing them, which a Secrets Manager rotation Lambda cannot do safely. It is rotated by an operator procedure instead (README, Security).',
    });
  }
}
