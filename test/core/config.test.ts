import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ListenSection, LogSection, TlsSection, TokenSection, describeConfig, loadConfigFile, parseConfig } from '../../src/core/config.ts';

const Schema = Type.Object({ listen: ListenSection(8443), tls: TlsSection, tokens: TokenSection, log: LogSection }, { additionalProperties: false });

describe('configuration', () => {
  it('fills every key with its default', () => {
    const config = parseConfig(Schema, {});
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(config.tokens.requestTtlSeconds).toBe(120);
    expect(config.log.level).toBe('info');
  });

  it('refuses unknown keys and bad values, naming each problem', () => {
    expect(() => parseConfig(Schema, { listen: { port: 70000 }, tokens: { requestTtlSeconds: 900 }, colour: 'blue' })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/colour.*\/listen\/port.*\/tokens\/requestTtlSeconds/s) }),
    );
  });

  it('resolves paths against the config file folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kouan-config-'));
    writeFileSync(join(dir, 'kouan.json'), JSON.stringify({ tls: { cert: 'me.crt', key: '/abs/me.key' } }));
    const config = loadConfigFile(Schema, join(dir, 'kouan.json'));
    expect(config.tls.cert).toBe(join(dir, 'me.crt'));
    expect(config.tls.key).toBe('/abs/me.key');
    expect(config.tls.ca).toBe(join(dir, 'certs/ca.crt'));
  });

  it('says what is wrong with an unreadable file', () => {
    expect(() => loadConfigFile(Schema, '/nonexistent/kouan.json')).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('describes every key with a description and a default', () => {
    const rows = describeConfig(Schema);
    expect(rows.map((r) => r.key)).toContain('tls.crlPollMs');
    for (const row of rows) {
      expect(row.description, row.key).not.toBe('');
      expect(row.default, row.key).not.toBe(undefined);
    }
  });
});
