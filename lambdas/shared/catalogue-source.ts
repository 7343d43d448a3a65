import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CatalogueEntry, parseCatalogueEntries, parseCatalogueEntry } from './domain/event-catalogue';

/**
 * Reads a catalogue folder (issue 28): one `<type>.json` per event type, each `{type,
 * description, version, validation, schema, example}`, the file named for its type. Read by the
 * stack at synth and by the local runtime; a function reads the one file the stack made of it.
 */
export const readCatalogueDir = (dir: string): CatalogueEntry[] => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const entries = files.map((file) => {
    const source = join(dir, file);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(source, 'utf8'));
    } catch (err) {
      throw new Error(`${source}: not JSON: ${(err as Error).message}`);
    }
    const entry = parseCatalogueEntry(raw, source);
    if (`${entry.type}.json` !== file) throw new Error(`${source}: describes ${entry.type}; name the file ${entry.type}.json`);
    return entry;
  });
  return parseCatalogueEntries(entries, dir);
};

/** The catalogue file the stack puts beside a function (`CATALOGUE_FILE`): the folder's entries, as one list. */
export const readCatalogueFile = (file: string): CatalogueEntry[] => parseCatalogueEntries(JSON.parse(readFileSync(file, 'utf8')), file);
