import Table from 'cli-table3';

/**
 * How the CLI prints an answer: a table for a list (one row each, the columns an operator scans
 * for), the fields of one object as name/value rows, and, with `--json`, the answer as the API
 * gave it. cli-table3 draws the tables (plain characters, no colours: the output is pasted).
 */
type Row = Record<string, unknown>;

const cell = (value: unknown): string =>
  value === null || value === undefined ? '-' : Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value);

const table = (head: string[], rows: string[][]) => {
  const t = new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: false });
  t.push(...rows);
  return t.toString();
};

const COLUMNS: Record<string, Array<[string, (r: Row) => unknown]>> = {
  webhook: [
    ['id', (r) => r.id],
    ['status', (r) => r.status],
    ['surface', (r) => r.surface],
    // An AWS destination's url is its target's ARN.
    ['kind', (r) => (r.destination as Row | undefined)?.type ?? 'url'],
    ['url', (r) => r.url],
    ['events', (r) => r.events],
    // How it proves itself to the receiver; a client certificate with the day it expires. Never a credential.
    ['auth', (r) => authCell(r.auth as Row | undefined)],
  ],
  audit_record: [
    ['at', (r) => r.at],
    ['action', (r) => r.action],
    ['by', (r) => `${(r.actor as Row).type} ${(r.actor as Row).id}`],
    ['webhook', (r) => r.webhook_id],
    ['from', (r) => (r.source as Row).ip],
    ['changed', (r) => Object.keys({ ...(r.before as Row | null), ...(r.after as Row | null) }).join(', ') || null],
  ],
  event_type: [
    ['type', (r) => r.type],
    ['validation', (r) => r.validation],
    ['version', (r) => r.version],
    ['schema', (r) => (r.schema ? 'yes' : '-')],
    ['description', (r) => r.description],
  ],
  delivery: [
    ['id', (r) => r.id],
    ['event', (r) => r.event_type],
    ['status', (r) => r.status],
    ['code', (r) => r.status_code],
    ['retries', (r) => r.retry_count],
    ['next attempt', (r) => r.next_attempt_at],
    ['webhook', (r) => r.webhook_id],
  ],
  attempt: [
    ['#', (r) => r.number],
    ['at', (r) => r.attempted_at],
    ['code', (r) => r.status_code],
    ['error', (r) => r.error],
    ['ms', (r) => r.response_time_ms],
    ['trigger', (r) => r.trigger],
    // An AWS destination's answer: the message id it took, or its error code.
    ['message id', (r) => r.message_id],
    ['detail', (r) => r.error_detail],
  ],
};

const authCell = (auth: Row | undefined): string | undefined =>
  !auth ? undefined : auth.type === 'mtls' ? `mtls until ${String((auth.certificate as Row).not_after).slice(0, 10)}` : auth.type === 'oauth2_client_credentials' ? 'oauth2' : String(auth.type);

const kindOf = (rows: Row[]): keyof typeof COLUMNS | undefined =>
  rows[0]?.object === 'delivery' ? 'delivery' : rows[0]?.object === 'event_type' ? 'event_type' : rows[0]?.object === 'audit_record' ? 'audit_record' : rows[0] && 'url' in rows[0] && 'events' in rows[0] ? 'webhook' : undefined;

const listTable = (rows: Row[], kind = kindOf(rows)): string => {
  if (!kind) return table(['value'], rows.map((r) => [cell(r)]));
  const columns = COLUMNS[kind]!;
  return table(columns.map(([name]) => name), rows.map((r) => columns.map(([, get]) => cell(get(r)))));
};

/** One object's fields, a row each; the lists of objects in it (attempts, deliveries) are shown apart. */
const fields = (value: Row, skip: string[] = []): string =>
  table(
    ['field', 'value'],
    Object.entries(value)
      .filter(([k, v]) => !skip.includes(k) && !(Array.isArray(v) && v.some((x) => typeof x === 'object')))
      .map(([k, v]) => [k, cell(v)]),
  );

/** The answer as lines for a terminal. */
export const render = (answer: unknown): string => {
  if (answer === undefined) return 'done';
  if (typeof answer !== 'object' || answer === null) return String(answer);
  const value = answer as Row;
  if (value.object === 'list' && Array.isArray(value.data)) {
    const rows = value.data as Row[];
    const more = value.has_more ? `more follow: --starting-after ${value.next_starting_after}` : 'end of the list';
    if (rows.length === 0) return value.has_more ? `none in this stretch; ${more}` : 'none';
    return `${listTable(rows)}\n${rows.length} shown; ${more}`;
  }
  if (value.object === 'delivery' && Array.isArray(value.attempts)) {
    return `${fields(value, ['attempts'])}\n${(value.attempts as Row[]).length > 0 ? listTable(value.attempts as Row[], 'attempt') : 'no attempts yet'}`;
  }
  if (value.object === 'event' && Array.isArray(value.deliveries)) {
    return `${fields({ ...value, data: value.data === null ? '(not kept)' : value.data }, ['deliveries'])}\n${(value.deliveries as Row[]).length > 0 ? listTable(value.deliveries as Row[], 'delivery') : 'no deliveries'}`;
  }
  return fields(value);
};
