import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { propsFromContext } from '../../lib/context-props';
import { HookpostStack } from '../../lib/hookpost-stack';
import { FUNCTION_TAG } from '../../lib/tags';

/**
 * The catalogue in the stack (issue 28): a folder read and checked at synth, its entries in one
 * layer for exactly the functions that check, list or describe them.
 */
const entry = (type: string, over: Record<string, unknown> = {}) => ({
  type,
  description: `${type}, described`,
  version: 1,
  validation: 'enforce',
  schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  example: { id: 'x' },
  ...over,
});
const folder = (entries: Array<Record<string, unknown>>) => {
  const dir = mkdtempSync(join(tmpdir(), 'hookpost-stack-catalogue-'));
  for (const e of entries) writeFileSync(join(dir, `${e.type}.json`), JSON.stringify(e));
  return dir;
};
const synth = (props: Record<string, unknown> = {}, context: Record<string, unknown> = {}) => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'hookpost-cat-out-')), context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': true, ...context } });
  const stack = new HookpostStack(app, 'Cat', { ...propsFromContext(app.node), ...props });
  return { template: Template.fromStack(stack).toJSON(), assembly: app.synth() };
};
const byName = (resources: Record<string, any>) =>
  Object.fromEntries(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Tags?.some((t: any) => t.Key === FUNCTION_TAG))
      .map((r) => [r.Properties.Tags.find((t: any) => t.Key === FUNCTION_TAG).Value, r.Properties]),
  );

describe('the event catalogue in the stack', () => {
  it('puts the folder\'s entries in one layer, given (with CATALOGUE_FILE) to publish, ingest, the tenant routes and the documents only', () => {
    const entries = [entry('order.paid'), entry('order.refunded', { validation: 'warn' })];
    const { template, assembly } = synth({ catalogueDir: folder(entries) });
    const layers = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::LayerVersion');
    expect(layers).toHaveLength(1);
    const [layerId, layer] = layers[0]!;
    expect(layer.Properties.CompatibleArchitectures).toEqual(['arm64']);
    const file = join(assembly.directory, layer.Metadata['aws:asset:path'], 'hookpost', 'catalogue.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(entries);
    const fns = byName(template.Resources);
    for (const [name, props] of Object.entries<any>(fns)) {
      const given = ['platform', 'eventbridge-ingest', 'admin-webhooks', 'docs'].includes(name);
      expect(Boolean(props.Layers), name).toBe(given);
      if (given) {
        expect(props.Layers).toEqual([{ Ref: layerId }]);
        expect(props.Environment.Variables.CATALOGUE_FILE).toBe('/opt/hookpost/catalogue.json');
      } else expect(props.Environment.Variables.CATALOGUE_FILE).toBeUndefined();
      expect(props.Environment.Variables.EVENT_TYPES, name).toBe('order.paid,order.refunded');
    }
  });

  it('defaults to the seed types\' folder, and reads the folder from context too', () => {
    const seeds = byName(synth().template.Resources);
    expect(seeds.platform.Environment.Variables.EVENT_TYPES.split(',')).toHaveLength(12);
    const fromContext = byName(synth({}, { catalogueDir: folder([entry('invoice.sent')]) }).template.Resources);
    expect(fromContext.platform.Environment.Variables.EVENT_TYPES).toBe('invoice.sent');
  });

  it('refuses at synth a schema that does not compile, an example its schema refuses, a misnamed file, and both eventTypes and catalogueDir', () => {
    expect(() => synth({ catalogueDir: folder([entry('order.paid', { schema: { type: 'object', propertees: {} } })]) })).toThrow(/order.paid: its schema does not compile/);
    expect(() => synth({ catalogueDir: folder([entry('order.paid', { example: {} })]) })).toThrow(/order.paid: its example does not match its schema: \/id: must have required property 'id'/);
    const misnamed = folder([entry('order.paid')]);
    writeFileSync(join(misnamed, 'order.json'), JSON.stringify(entry('order.refunded')));
    expect(() => synth({ catalogueDir: misnamed })).toThrow(/describes order.refunded; name the file order.refunded.json/);
    expect(() => synth({ catalogueDir: folder([entry('order.paid')]), eventTypes: ['order.paid'] })).toThrow(/eventTypes and catalogueDir: give one/);
  });
});
