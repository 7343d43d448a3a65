import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A token request as the server got it: the client it authenticated, and the form's parameters. */
export interface TokenGrant {
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  /** The client id and secret, from Basic (form-urlencoded inside, RFC 6749 §2.3.1) or the body. */
  client: { id: string; secret: string; via: 'basic' | 'post' } | null;
}

type Answer = { status: number; body: unknown; delayMs?: number } | 'hang';

/**
 * An OAuth 2.0 token endpoint on loopback (RFC 6749 §4.4): it checks the client's credentials
 * and the grant type, and issues `tok-1`, `tok-2`, … with `expiresIn` seconds; a test can make it
 * answer anything else (an error, a page that is no token, a slow answer, none at all).
 */
export const startTokenServer = async (clients: Record<string, string>, expiresIn = 3600) => {
  const grants: TokenGrant[] = [];
  let issued = 0;
  let override: ((g: TokenGrant) => Answer | undefined) | undefined;
  const valid = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      let client: TokenGrant['client'] = null;
      if (basic) {
        const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map((p) => decodeURIComponent(p.replace(/\+/g, ' ')));
        client = { id: id!, secret: secret ?? '', via: 'basic' };
      } else if (form.client_id) client = { id: form.client_id, secret: form.client_secret ?? '', via: 'post' };
      const grant = { headers: req.headers, form, client };
      grants.push(grant);
      const send = (a: Answer) => {
        if (a === 'hang') return; // never answers
        const write = () => !res.destroyed && res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'text/html' : 'application/json', 'cache-control': 'no-store' }).end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
        if (a.delayMs) setTimeout(write, a.delayMs);
        else write();
      };
      const forced = override?.(grant);
      if (forced) return send(forced);
      if (form.grant_type !== 'client_credentials') return send({ status: 400, body: { error: 'unsupported_grant_type' } });
      if (!client || clients[client.id] !== client.secret) return send({ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } });
      const token = `tok-${++issued}`;
      valid.add(token);
      send({ status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: expiresIn, ...(form.scope ? { scope: form.scope } : {}) } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  return {
    url,
    grants,
    /** Whether a receiver should take this bearer token (issued, not revoked). */
    accepts: (authorization: string | undefined) => valid.has((authorization ?? '').replace(/^Bearer /, '')),
    revokeAll: () => valid.clear(),
    answerWith: (fn: typeof override) => {
      override = fn;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

export type TokenServer = Awaited<ReturnType<typeof startTokenServer>>;
