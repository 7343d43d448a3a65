import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Architecture, Code, LayerVersion, type Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { CatalogueEntry } from '../../lambdas/shared/domain/event-catalogue';
import type { HookpostFunction } from './hookpost-function';

/** Where a function finds the catalogue: the layer's file. */
export const CATALOGUE_FILE = '/opt/hookpost/catalogue.json';

/**
 * The event catalogue (issue 28) as a Lambda layer: one JSON file of every type's description,
 * schema and example, for the functions that check, list or describe them (publish, the ingest
 * rule, the tenant routes, the documents). Schemas outgrow Lambda's 4 KB of environment; a layer
 * is read from the container's disk at cold start and changes with a deploy, as the catalogue does.
 */
export class EventCatalogue extends Construct {
  public readonly layer: LayerVersion;

  constructor(scope: Construct, id: string, props: { entries: readonly CatalogueEntry[]; runtime: Runtime }) {
    super(scope, id);
    const text = `${JSON.stringify(props.entries)}\n`;
    // Staged by its content: the same catalogue is the same asset (and layer version).
    const dir = join(tmpdir(), `hookpost-catalogue-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
    mkdirSync(join(dir, 'hookpost'), { recursive: true });
    writeFileSync(join(dir, 'hookpost', 'catalogue.json'), text);
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(dir),
      description: `hookpost: the event catalogue (${props.entries.length} types, with their schemas and examples)`,
      compatibleRuntimes: [props.runtime],
      compatibleArchitectures: [Architecture.ARM_64],
    });
  }

  /** Gives `fn` the catalogue file (`CATALOGUE_FILE`). */
  grant(fn: HookpostFunction): void {
    fn.function.addLayers(this.layer);
    fn.function.addEnvironment('CATALOGUE_FILE', CATALOGUE_FILE);
  }
}
