import { CERTIFICATE_NOTICE_DAYS } from './client-certificate';
import type { Endpoint } from './model';
import { emitOperational, type FaultLog } from './operational-events';
import type { Ports } from './ports';

type Deps = Pick<Ports, 'endpoints' | 'operations'>;

const DAY_MS = 86_400_000;

/**
 * Tells the platform's operators, once per certificate, that a webhook's client certificate
 * expires within CERTIFICATE_NOTICE_DAYS (`webhook.certificate_expiring` on the stack's bus),
 * from the first attempt that finds it so: the conditional write makes it once however many
 * attempts find it at once. A webhook that makes no attempt in those days is told on its next
 * (the certificate's expiry is in every read of it, and the dashboard shows the days left).
 */
export const noteCertificateExpiry = async (deps: Deps, endpoint: Endpoint, at: string, log: FaultLog): Promise<void> => {
  const auth = endpoint.auth;
  if (auth?.type !== 'mtls' || endpoint.certificateNoticeFor === auth.info.fingerprint256) return;
  const left = Date.parse(auth.info.notAfter) - Date.parse(at);
  if (left > CERTIFICATE_NOTICE_DAYS * DAY_MS) return;
  if (!(await deps.endpoints.noteCertificateNotice(endpoint.tenantId, endpoint.id, auth.info.fingerprint256))) return;
  await emitOperational(deps, log, {
    type: 'webhook.certificate_expiring',
    time: at,
    detail: {
      tenant_id: endpoint.tenantId,
      webhook_id: endpoint.id,
      url: endpoint.url,
      subject: auth.info.subject,
      fingerprint_sha256: auth.info.fingerprint256,
      not_after: auth.info.notAfter,
      days_left: Math.max(0, Math.floor(left / DAY_MS)),
    },
  });
};
