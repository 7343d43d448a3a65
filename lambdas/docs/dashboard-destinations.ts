/**
 * The dashboard's script for AWS destinations (issue 26; same scope as ./dashboard-script and
 * ./dashboard-manage, before the latter): the form's "Deliver to" choice, with the target and
 * the role, the trust that role must grant and the CloudFormation template that makes it; and a
 * destination webhook's Check, which says in plain words what is wrong.
 */
export const DESTINATIONS_SCRIPT = `
const KIND_TARGET = { sqs: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders', sns: 'arn:aws:sns:eu-west-1:123456789012:orders', eventbridge: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' };
/** URL or AWS destination: the fields of the one chosen. */
function showKind() {
  const kind = $('wf-kind').value, aws = kind !== 'url';
  $('wf-url-field').hidden = aws; $('wf-headers-field').hidden = aws; $('wf-auth-field').hidden = aws; $('wf-aws').hidden = !aws;
  if (aws) $('wf-target').placeholder = KIND_TARGET[kind];
  $('wf-template-text').hidden = true;
}
/** The trust the role must grant (and, for a target, its template), from the API. */
async function loadTrust(withTemplate) {
  const kind = $('wf-kind').value, target = $('wf-target').value.trim();
  const query = withTemplate && target ? '?' + new URLSearchParams({ type: kind, target }) : '';
  const trust = await api('GET', '/api/v1/admin/destinations/trust' + query);
  $('wf-trust').textContent = 'Your role must trust ' + trust.principal + ' to call sts:AssumeRole with the condition "sts:ExternalId": "' + trust.external_id + '" (your external id: hookpost presents it, nobody else can).';
  return trust;
}
function openDestination(webhook) {
  const d = webhook && webhook.destination;
  $('wf-kind').value = d ? d.type : 'url'; $('wf-kind').disabled = Boolean(webhook);
  $('wf-target').value = d ? (d.queue_url || d.target) : ''; $('wf-role').value = d ? d.role_arn : '';
  showKind();
  if (d) loadTrust(false).catch((e) => sayForm(e.message, true));
}
/** The form's destination as the API takes it; null for a URL webhook. */
function destinationBody() {
  if ($('wf-kind').value === 'url') return null;
  const target = $('wf-target').value.trim(), role = $('wf-role').value.trim();
  if (!target) throw new Error('Target: the ARN of your bus or topic, or your queue URL.');
  if (!role) throw new Error('Role: the ARN of your role that hookpost assumes.');
  return { type: $('wf-kind').value, target, role_arn: role };
}
$('wf-kind').addEventListener('change', () => { showKind(); if ($('wf-kind').value !== 'url') loadTrust(false).catch((e) => sayForm(e.message, true)); });
$('wf-template').addEventListener('click', async () => {
  try {
    if (!$('wf-target').value.trim()) throw new Error('Target: give it first: the template allows the one write to it.');
    const trust = await loadTrust(true);
    $('wf-template-text').textContent = JSON.stringify(trust.cloudformation, null, 2); $('wf-template-text').hidden = false;
    sayForm('Deploy this template in the target\\'s account (CloudFormation); its output RoleArn is your role.');
  } catch (e) { sayForm(e.message, true); }
});
$('check').addEventListener('click', async () => {
  sayDetail('Checking…');
  try { const c = await api('POST', hookPath(current.id, '/check')); sayDetail((c.ok ? 'OK: ' : 'Not yet: ') + c.message + (c.aws_error ? ' (' + c.aws_error.code + ': ' + c.aws_error.message + ')' : ''), !c.ok); } catch (e) { sayDetail(e.message, true); }
});
`;
