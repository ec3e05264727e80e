/**
 * A TLS-terminating reverse proxy with the certificate docs/qiskit.md asks for, doing what docs/qiskit.md's nginx
 * configuration does: answer `<name>` and `*.<name>` on HTTPS, and pass every request to Berth
 * with its Host header unchanged (`proxy_set_header Host $host`), unbuffered (streams flow).
 * The certificate is self-signed and made for the test; its PEM file is what a client trusts.
 */
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsProxy {
  readonly port: number;
  /** PEM of the certificate: the CA file a client trusts (SSL_CERT_FILE). */
  readonly certFile: string;
  close(): Promise<void>;
}

export async function startTlsProxy(name: string, target: string, dir: string): Promise<TlsProxy> {
  const pems = await generate([{ name: 'commonName', value: name }], {
    notAfterDate: new Date(Date.now() + 2 * 86_400_000),
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: name },
          { type: 2, value: `*.${name}` },
          // A wildcard covers one label: these two names need their own entries.
          { type: 2, value: `api.global-search-tagging.${name}` },
          { type: 2, value: `*.quantum.${name}` },
        ],
      },
    ],
  });
  const certFile = join(dir, 'lab-ca.pem');
  writeFileSync(certFile, pems.cert);
  const to = new URL(target);
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const upstream = httpRequest(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    port: (server.address() as AddressInfo).port,
    certFile,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
