import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kouan } from '../support/cli.ts';

const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

describe('kouan pki', () => {
  let root: string;
  let dir: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kouan-cli-'));
    dir = join(root, 'ca');
    const init = kouan(['pki', 'init', '--dir', dir]);
    expect(init.code, init.stderr).toBe(0);
    for (const [id, cc] of [['bj-hospital', 'CN'], ['pharma-de', 'DE']]) {
      const issued = kouan(['pki', 'issue', '--dir', dir, '--participant', id!, '--country', cc!, '--dns', 'localhost', '--ip', '127.0.0.1', '--out', join(root, id!), '--key-bits', '2048']);
      expect(issued.code, issued.stderr).toBe(0);
    }
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates an RSA ≥ 3072 SHA-256 CA whose key only its owner can read', () => {
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.crt'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toMatch(/Public-Key: \(3072 bit\)/);
    expect(text).toMatch(/sha256WithRSAEncryption/);
    expect(text).toMatch(/CA:TRUE/);
  });

  it('refuses to overwrite an existing CA', () => {
    const before = readFileSync(join(dir, 'ca.key'), 'utf8');
    const again = kouan(['pki', 'init', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('PKI_CA_EXISTS');
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toBe(before);
  });

  it('issues certificates that openssl verifies, with the participant SAN, country and both key usages', () => {
    const verified = openssl('verify', '-CAfile', join(dir, 'ca.crt'), '-crl_check', '-CRLfile', join(dir, 'ca.crl'), join(root, 'bj-hospital.crt'));
    expect(verified.stdout.trim(), verified.stderr).toBe(`${join(root, 'bj-hospital.crt')}: OK`);
    const text = execFileSync('openssl', ['x509', '-in', join(root, 'bj-hospital.crt'), '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('URI:urn:kouan:participant:bj-hospital');
    expect(text).toMatch(/Subject: C\s?=\s?CN/);
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(statSync(join(root, 'bj-hospital.key')).mode & 0o777).toBe(0o600);
  });

  it('records every serial it issues, each unique', () => {
    const index = JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')) as { certificates: Array<{ serial: string; participantId: string }> };
    expect(index.certificates.map((c) => c.participantId)).toEqual(['bj-hospital', 'pharma-de']);
    expect(new Set(index.certificates.map((c) => c.serial)).size).toBe(2);
  });

  it('revokes a participant; the CRL verifies with openssl, lists the serial, and openssl then refuses the certificate', () => {
    const revoked = kouan(['pki', 'revoke', '--dir', dir, '--participant', 'pharma-de']);
    expect(revoked.code, revoked.stderr).toBe(0);
    const crl = openssl('crl', '-in', join(dir, 'ca.crl'), '-CAfile', join(dir, 'ca.crt'), '-noout', '-text');
    expect(crl.stderr).toMatch(/verify OK/);
    const serial = (JSON.parse(kouan(['pki', 'show', join(root, 'pharma-de.crt')]).stdout) as { serial: string }).serial;
    expect(crl.stdout).toContain(`Serial Number: ${serial}`);
    const verify = openssl('verify', '-CAfile', join(dir, 'ca.crt'), '-crl_check', '-CRLfile', join(dir, 'ca.crl'), join(root, 'pharma-de.crt'));
    expect(verify.status).not.toBe(0);
    expect(verify.stdout + verify.stderr).toContain('certificate revoked');
    const regenerated = kouan(['pki', 'crl', '--dir', dir]);
    expect(regenerated.code).toBe(0);
    expect(openssl('crl', '-in', join(dir, 'ca.crl'), '-noout', '-text').stdout).toContain(`Serial Number: ${serial}`);
  });

  it('shows the identity in a certificate', () => {
    const shown = kouan(['pki', 'show', join(root, 'bj-hospital.crt')]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ participantId: 'bj-hospital', country: 'CN' });
  });

  it.each([
    [['pki', 'issue', '--dir', 'DIR', '--participant', 'nobody', '--country', 'Germany', '--out', 'OUT'], 'PKI_BAD_COUNTRY'],
    [['pki', 'issue', '--dir', 'DIR', '--participant', 'Bad Id!', '--country', 'DE', '--out', 'OUT'], 'PKI_BAD_PARTICIPANT_ID'],
    [['pki', 'issue', '--dir', 'MISSING', '--participant', 'a', '--country', 'DE', '--out', 'OUT'], 'PKI_CA_MISSING'],
    [['pki', 'revoke', '--dir', 'DIR', '--participant', 'never-issued'], 'PKI_UNKNOWN_PARTICIPANT'],
    [['pki', 'revoke', '--dir', 'DIR', '--serial', 'ABCDEF'], 'PKI_UNKNOWN_SERIAL'],
    [['pki', 'revoke', '--dir', 'DIR'], 'INPUT_INVALID'],
    [['pki', 'issue', '--dir', 'DIR', '--participant', 'a', '--country', 'DE'], 'INPUT_INVALID'],
    [['pki', 'issue', '--dir', 'DIR', '--bogus'], 'INPUT_INVALID'],
    [['pki', 'issue', '--dir', 'DIR', '--participant', 'a', '--country', 'DE', '--ip', 'not-an-ip', '--out', 'OUT'], 'PKI_BAD_CERTIFICATE'],
    [['pki', 'show', 'MISSING'], 'INPUT_INVALID'],
  ])('refuses bad input with exit 2 and a one-line reason: %j', (args, code) => {
    const resolved = args.map((a) => (a === 'DIR' ? dir : a === 'MISSING' ? join(root, 'missing') : a === 'OUT' ? join(root, 'out') : a));
    const result = kouan(resolved);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`[${code}]`);
  });

  it('has --help on every command', () => {
    for (const command of ['init', 'issue', 'revoke', 'crl', 'show']) {
      const help = kouan(['pki', command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: kouan pki ${command}`);
    }
    expect(kouan(['--help']).stdout).toContain('Groups:');
    expect(kouan(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^kouan \d+\.\d+\.\d+\n$/) });
  });
});
