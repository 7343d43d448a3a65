import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STSClient } from '@aws-sdk/client-sts';
import { createStsStandIn } from '../../local/sts';

/** The STS stand-in on a loopback port, and an STSClient for a caller's access key id. */
export const startStsServer = async (options: Parameters<typeof createStsStandIn>[0]) => {
  const sts = createStsStandIn(options);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      void sts.handle(res, body, accessKeyId).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sts,
    endpoint,
    client: (accessKeyId: string) => new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};
