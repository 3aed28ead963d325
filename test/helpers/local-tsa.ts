// Test support only: an RFC 3161 time-stamping authority on loopback, answered by `openssl ts
// -reply` with a CA and a TSA certificate (EKU timeStamping) made for the test.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type LocalServer, startLocalServer } from './local-http-server.js';

const CONFIG = `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ req ]
distinguished_name = dn
[ dn ]
[ ext_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ ext_tsa ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export interface LocalTsa {
  url: string;
  /** The TSA's CA certificate (PEM): what a verifier trusts the time stamps through. */
  caPem: string;
  /** Requests answered. */
  requests: number;
  close(): Promise<void>;
}

export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opensoul-tsa-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  fs.writeFileSync(path.join(dir, 'tsa.cnf'), CONFIG);
  fs.writeFileSync(path.join(dir, 'serial'), '01\n');
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key');
  run(
    'req',
    '-new',
    '-x509',
    '-key',
    'ca.key',
    '-subj',
    '/CN=opensoul test TSA CA',
    '-days',
    '30',
    '-config',
    'tsa.cnf',
    '-extensions',
    'ext_ca',
    '-out',
    'ca.pem',
  );
  run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'tsa.key');
  run('req', '-new', '-key', 'tsa.key', '-subj', '/CN=opensoul test TSA', '-config', 'tsa.cnf', '-out', 'tsa.csr');
  run(
    'x509',
    '-req',
    '-in',
    'tsa.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    'tsa.cnf',
    '-extensions',
    'ext_tsa',
    '-out',
    'tsa.pem',
  );
  let n = 0;
  const server: LocalServer = await startLocalServer((req, res, body) => {
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') return void res.writeHead(400).end();
    const q = path.join(dir, `q${++n}.tsq`);
    const r = path.join(dir, `r${n}.tsr`);
    fs.writeFileSync(q, body);
    try {
      run('ts', '-reply', '-config', 'tsa.cnf', '-queryfile', q, '-signer', 'tsa.pem', '-inkey', 'tsa.key', '-chain', 'ca.pem', '-out', r);
      res.setHeader('content-type', 'application/timestamp-reply');
      res.end(fs.readFileSync(r));
    } catch {
      res.writeHead(500).end();
    }
  });
  return {
    url: server.url('/tsa'),
    caPem: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
    get requests() {
      return n;
    },
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
