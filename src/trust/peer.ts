import type { TLSSocket } from 'node:tls';
import type { TlsReason } from '../core/codes.ts';
import { PeerRejectedError } from '../core/errors.ts';
import { countryFromSubject, participantIdFromSan, thumbprint, type PeerIdentity } from './identity.ts';
import type { TrustStore } from './trust-store.ts';

/** OpenSSL verification results, as Node names them, and the reason a caller is told. */
const verifyErrors: Record<string, TlsReason> = {
  CERT_REVOKED: 'TLS_CERT_REVOKED',
  CERT_HAS_EXPIRED: 'TLS_CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'TLS_CERT_NOT_YET_VALID',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS_SELF_SIGNED',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS_SELF_SIGNED',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS_UNKNOWN_CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS_UNKNOWN_CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS_UNKNOWN_CA',
  CERT_SIGNATURE_FAILURE: 'TLS_UNKNOWN_CA',
  UNABLE_TO_GET_CRL: 'TLS_CRL_UNAVAILABLE',
  CRL_HAS_EXPIRED: 'TLS_CRL_UNAVAILABLE',
  CRL_NOT_YET_VALID: 'TLS_CRL_UNAVAILABLE',
  CRL_SIGNATURE_FAILURE: 'TLS_CRL_UNAVAILABLE',
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 'TLS_CRL_UNAVAILABLE',
};

const identities = new WeakMap<TLSSocket, PeerIdentity>();

/**
 * The verified identity of the peer on this connection, or a PeerRejectedError with the reason.
 * The handshake result is read once per connection; revocation is checked again on every call
 * against the CRL in force, so a certificate revoked mid-connection is refused on its next request.
 */
export function authenticatePeer(socket: TLSSocket, trust: TrustStore): PeerIdentity {
  let identity = identities.get(socket);
  if (!identity) {
    identity = verifyHandshake(socket, trust);
    identities.set(socket, identity);
  }
  if (trust.isRevoked(identity.serial)) throw new PeerRejectedError('TLS_CERT_REVOKED');
  return identity;
}

function verifyHandshake(socket: TLSSocket, trust: TrustStore): PeerIdentity {
  if (typeof socket.getPeerCertificate !== 'function') throw new PeerRejectedError('TLS_NO_CLIENT_CERT', 'the connection is not TLS');
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) throw new PeerRejectedError('TLS_NO_CLIENT_CERT');
  if (!socket.authorized) {
    const error = String(socket.authorizationError ?? '');
    throw new PeerRejectedError(classify(socket, trust, error), error ? `certificate refused: ${error}` : undefined);
  }
  const participantId = participantIdFromSan(cert.subjectaltname);
  const country = countryFromSubject(Object.entries(cert.subject ?? {}).map(([k, v]) => `${k}=${String(v)}`).join('\n'));
  if (!participantId || !country) throw new PeerRejectedError('TLS_NO_PARTICIPANT_ID');
  return { participantId, country, certThumbprint: thumbprint(cert.raw), serial: cert.serialNumber.toUpperCase() };
}

/**
 * OpenSSL reports the last problem it met, so a chain that is not ours can come back as a missing CRL.
 * The chain is therefore judged first (ours, self-signed or foreign), then OpenSSL's verdict is mapped.
 */
function classify(socket: TLSSocket, trust: TrustStore, opensslError: string): TlsReason {
  const cert = socket.getPeerX509Certificate();
  const ca = trust.caCertificate;
  if (cert && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey) ? 'TLS_SELF_SIGNED' : 'TLS_UNKNOWN_CA';
  }
  return verifyErrors[opensslError] ?? 'TLS_CERT_INVALID';
}
