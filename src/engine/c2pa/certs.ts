import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_kp_emailProtection,
} from '@peculiar/asn1-x509';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';
/** C2PA's claim-signing key purpose (C2PA 2.x trust model), next to S/MIME's that validators also accept. */
const C2PA_KP_CLAIM_SIGNING = '1.3.6.1.4.1.62558.2.1';

function name(cn: string, org: string): Name {
  const rdn = (type: string, v: string) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: v }) })]);
  return new Name([rdn(COMMON_NAME, cn), rdn(ORGANIZATION, org)]);
}

const spki = (key: KeyObject) =>
  AsnConvert.parse((key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
/** RFC 5280 method 1: SHA-1 of the subject public key bits. */
const keyId = (key: KeyObject) =>
  new Uint8Array(
    createHash('sha1')
      .update(new Uint8Array(spki(key).subjectPublicKey))
      .digest(),
  ).buffer;
const ext = (extnID: string, critical: boolean, value: unknown) =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

interface CertSpec {
  subject: Name;
  issuer: Name;
  publicKey: KeyObject;
  issuerKey: KeyObject;
  /** The signer's public key, for the authority key identifier. */
  issuerPublicKey: KeyObject;
  ca: boolean;
  years: number;
}

function issue(spec: CertSpec): Buffer {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive INTEGER
  const alg = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const usage = new KeyUsage(spec.ca ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign : KeyUsageFlags.digitalSignature);
  const extensions = [
    ext(id_ce_basicConstraints, true, new BasicConstraints(spec.ca ? { cA: true, pathLenConstraint: 0 } : { cA: false })),
    ext(id_ce_keyUsage, true, usage),
    ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(spec.publicKey))),
    ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId(spec.issuerPublicKey)) })),
    ...(spec.ca ? [] : [ext(id_ce_extKeyUsage, false, new ExtendedKeyUsage([C2PA_KP_CLAIM_SIGNING, id_kp_emailProtection]))]),
  ];
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: alg,
    issuer: spec.issuer,
    validity: new Validity({ notBefore: new Date(now - 3600_000), notAfter: new Date(now + spec.years * 365 * 86400_000) }),
    subject: spec.subject,
    subjectPublicKeyInfo: spki(spec.publicKey),
    extensions: new Extensions(extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, spec.issuerKey); // DER-encoded ECDSA, as X.509 wants
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: alg, signatureValue: new Uint8Array(signature).buffer });
  return Buffer.from(AsnConvert.serialize(cert));
}

export interface SigningIdentity {
  /** PEM of the signing key (PKCS#8). */
  keyPem: string;
  /** PEM certificates, signer first, then its issuers. */
  chainPem: string;
}

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/**
 * A private CA and an ES256 claim-signing leaf it issued (c2pa-rs refuses self-signed or CA
 * signers and wants the authority key identifier). The CA key is discarded once the leaf is
 * issued: it signs nothing else.
 */
export function createSigningIdentity(org = 'opensoul'): SigningIdentity & { caPem: string } {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = name(`${org} content credentials CA`, org);
  const caDer = issue({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    issuerKey: ca.privateKey,
    issuerPublicKey: ca.publicKey,
    ca: true,
    years: 20,
  });
  const leafDer = issue({
    subject: name(`${org} content credentials signer`, org),
    issuer: caName,
    publicKey: leaf.publicKey,
    issuerKey: ca.privateKey,
    issuerPublicKey: ca.publicKey,
    ca: false,
    years: 10,
  });
  return {
    keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    chainPem: pem(leafDer) + pem(caDer),
    caPem: pem(caDer),
  };
}

/** DER certificates of a PEM bundle, in order. */
export function pemToDer(chainPem: string): Buffer[] {
  return [...chainPem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1].replace(/\s+/g, ''), 'base64'),
  );
}
