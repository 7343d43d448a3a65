import { randomBytes } from 'node:crypto';
import { type AwsDestination, DESTINATION_ACTIONS } from './destinations';

/**
 * The "test" action of an AWS destination (issue 26): it tries what a delivery will do and says
 * in plain words what is wrong, in the order a tenant fixes it.
 * 1. The role must refuse any other external id. A role that trusts hookpost's delivery role
 *    (or the platform's whole account) without requiring the tenant's external id could be
 *    named by any other tenant of the platform, and hookpost would write into it for them: the
 *    confused deputy the external id exists to stop. So hookpost assumes it once with a decoy
 *    id; if that works, the destination is refused.
 * 2. The role must admit hookpost with the tenant's external id.
 * 3. A test message must be accepted by the target (the role's policy, the target's own
 *    policy, its KMS key).
 */
export interface DestinationProbe {
  tryAssume(externalId: string): Promise<{ ok: true } | { ok: false; code: string; message: string }>;
  sendTest(): Promise<{ ok: true; messageId: string } | { ok: false; code: string; message: string }>;
}

export type DestinationCheck =
  | { ok: true; messageId: string }
  | { ok: false; problem: 'role_without_external_id' | 'role_not_assumable' | 'target_refused' | 'target_not_found' | 'kms_key_refused'; message: string; aws?: { code: string; message: string } };

const KMS = /^KMS|Kms|kms/;
const NOT_FOUND = /NonExistentQueue|QueueDoesNotExist|NotFound|ResourceNotFoundException/;

export const checkDestination = async (probe: DestinationProbe, d: AwsDestination, context: { externalId: string; deliveryRoleArn: string }): Promise<DestinationCheck> => {
  const decoy = `hpx_decoy_${randomBytes(16).toString('base64url')}`;
  if ((await probe.tryAssume(decoy)).ok) {
    return {
      ok: false,
      problem: 'role_without_external_id',
      message: `${d.roleArn} lets hookpost in without your external id. Its trust policy must allow ${context.deliveryRoleArn} only with the condition "sts:ExternalId": "${context.externalId}"; as it is, another customer of this platform could name your role and have events written into your ${d.type}.`,
    };
  }
  const assumed = await probe.tryAssume(context.externalId);
  if (!assumed.ok) {
    return {
      ok: false,
      problem: 'role_not_assumable',
      message: `hookpost cannot assume ${d.roleArn}. Its trust policy must allow ${context.deliveryRoleArn} to call sts:AssumeRole with the condition "sts:ExternalId": "${context.externalId}" (the role must exist, in the account of its ARN).`,
      aws: { code: assumed.code, message: assumed.message },
    };
  }
  const sent = await probe.sendTest();
  if (sent.ok) return { ok: true, messageId: sent.messageId };
  const aws = { code: sent.code, message: sent.message };
  if (NOT_FOUND.test(sent.code)) return { ok: false, problem: 'target_not_found', message: `${d.arn} does not exist (or is in another region than its ARN says).`, aws };
  if (KMS.test(sent.code) || /KMS|kms:/.test(sent.message)) {
    return { ok: false, problem: 'kms_key_refused', message: `${d.arn} is encrypted with a KMS key whose policy does not let ${d.roleArn} use it: allow kms:GenerateDataKey and kms:Decrypt to the role in the key policy.`, aws };
  }
  return {
    ok: false,
    problem: 'target_refused',
    message: `${d.arn} refused ${DESTINATION_ACTIONS[d.type]} from ${d.roleArn}: allow it in the role's policy and, if the ${d.type} has a resource policy, there too.`,
    aws,
  };
};
