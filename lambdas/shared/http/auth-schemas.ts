import * as z from 'zod/mini';
import { MAX_CA_BUNDLE_PEM, MAX_CERTIFICATE_PEM, MAX_PRIVATE_KEY_PEM } from '../domain/client-certificate';
import { CLIENT_AUTH_METHODS } from '../domain/receiver-auth';

// The request schemas of a webhook's receiver auth and sensitive headers (issue 27). The
// certificate's own checks (it parses, its key matches, it is valid, no CA) are the domain's
// (`domain/client-certificate.ts`), which names what is wrong.

const text = (max: number, what: string) => z.string().check(z.minLength(1, `must be ${what}`), z.maxLength(max, `must be at most ${max} characters`));
const write = (schema: z.ZodMiniString, update: boolean) => (update ? z.optional(schema) : schema);

const KEPT = 'Write-only: never returned (a read shows set_at). On PATCH, leave it out to keep the stored one (same type).';

/**
 * Basic credentials, an OAuth 2.0 client-credentials grant, or a client certificate. On PATCH
 * (`update`), the secret parts may be left out to keep the stored ones.
 */
export const receiverAuth = (url: z.ZodMiniType<string>, update: boolean) =>
  z
    .discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('basic'),
        username: text(256, '1 to 256 characters').check(z.refine((u) => !u.includes(':'), 'must not contain ":" (RFC 7617)')),
        password: write(text(1024, '1 to 1024 characters'), update).register(z.globalRegistry, { description: KEPT }),
      }),
      z.strictObject({
        type: z.literal('oauth2_client_credentials'),
        token_url: url.register(z.globalRegistry, { description: 'The token endpoint: reached under the same egress rules as any receiver (no redirects, the same timeout).' }),
        client_id: text(256, '1 to 256 characters'),
        client_secret: write(text(1024, '1 to 1024 characters'), update).register(z.globalRegistry, { description: KEPT }),
        scope: z.optional(text(1024, 'space-separated scopes')),
        audience: z.optional(text(1024, 'the audience the token is for')).register(z.globalRegistry, { description: 'Sent as the audience parameter (Auth0, Okta and others ask for it).' }),
        client_auth: z.optional(z.enum(CLIENT_AUTH_METHODS, { error: `must be one of ${CLIENT_AUTH_METHODS.join(', ')}` })).register(z.globalRegistry, {
          description: 'How the client authenticates to the token endpoint (RFC 6749 §2.3.1): client_secret_basic (the default, HTTP Basic) or client_secret_post (in the form body).',
        }),
      }),
      z.strictObject({
        type: z.literal('mtls'),
        certificate: text(MAX_CERTIFICATE_PEM, 'PEM certificates').register(z.globalRegistry, { description: 'The client certificate chain (PEM), leaf first. Checked: it parses, the key matches, it is valid now, it is no CA.' }),
        private_key: write(text(MAX_PRIVATE_KEY_PEM, 'a PEM private key'), update).register(z.globalRegistry, { description: `The leaf's private key (PEM, unencrypted). ${KEPT}` }),
        ca_bundle: z.optional(text(MAX_CA_BUNDLE_PEM, 'PEM CA certificates')).register(z.globalRegistry, {
          description: "Roots your receiver's server certificate chains to beside the public ones (a private CA). The server's certificate is always verified.",
        }),
      }),
    ])
    .register(z.globalRegistry, {
      description:
        'How hookpost proves itself to the receiver beyond the signature: basic (HTTP Basic), oauth2_client_credentials (a bearer token from your token endpoint, cached until shortly before it expires, fetched again once on a 401), or mtls (a client certificate). null on PATCH removes it.',
    });

export const MAX_SENSITIVE_HEADERS = 20;

/** Names of headers (of the same request's `headers`) whose values are credentials. */
export const sensitiveHeaderNames = () =>
  z.array(text(256, 'a header name')).check(z.maxLength(MAX_SENSITIVE_HEADERS, `at most ${MAX_SENSITIVE_HEADERS} names`)).register(z.globalRegistry, {
    description:
      'Which of headers carry credentials, beyond Authorization, Cookie, X-Api-Key and Proxy-Authorization (always): their values are sealed and never returned (a read shows set_at). Give them with headers.',
  });
