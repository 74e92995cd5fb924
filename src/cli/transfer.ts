import { createWriteStream, type WriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { systemClock } from '../core/clock.ts';
import { loadConfigFile } from '../core/config.ts';
import { InputError } from '../core/errors.ts';
import { edrOf, pull, refreshToken } from '../data-plane/pull.ts';
import { ConnectorConfigSchema } from '../main/connector-config.ts';
import { PeerClient } from '../trust/client.ts';
import { TokenIssuer } from '../trust/tokens.ts';
import { TrustStore } from '../trust/trust-store.ts';
import { EXIT, required, type Group } from './command.ts';

/** Opens the output file before anything is pulled: a path that cannot be written is bad input, not a crash. */
async function openOut(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(new InputError(`cannot write ${path}: ${error.code ?? error.message}`)));
  });
  return stream;
}

export const transfer: Group = {
  name: 'transfer',
  summary: 'Work with transfers of a running connector (as consumer).',
  commands: [
    {
      name: 'pull',
      summary: "Pull a STARTED transfer's data through the provider's gateway (mutual TLS + access token) to a file or stdout.",
      usage: '--config FILE --transfer ID [--out FILE]',
      options: { config: { type: 'string' }, transfer: { type: 'string' }, out: { type: 'string' } },
      help: {
        config: "The consumer connector's config (for its certificate and management API).",
        transfer: 'The transfer id as the management API shows it.',
        out: 'Where to write the data (default: stdout).',
      },
      async run(values, _p, io) {
        const config = loadConfigFile(ConnectorConfigSchema, required(values, 'config'));
        const id = required(values, 'transfer');
        const apiKey = config.management.apiKey ?? readFileSync(join(config.stateDir, 'management-api-key'), 'utf8').trim();
        const { host, port } = config.management.listen;
        const r = await request(`http://${host}:${port}/management/v1/transfers/${encodeURIComponent(id)}`, { headers: { 'x-api-key': apiKey } });
        const t = (await r.body.json()) as { code?: string; message?: string; state?: string; role?: string; dataAddress: Record<string, unknown> | null; counterparty: { participantId: string } };
        if (r.statusCode !== 200) throw new InputError(`transfer ${id}: ${t.message ?? r.statusCode}`);
        if (t.role !== 'consumer') throw new InputError(`transfer ${id} is not one this participant consumes`);
        const out = values.out ? await openOut(String(values.out)) : process.stdout;
        const trust = await TrustStore.load(config.tls);
        const peers = new PeerClient(trust, new TokenIssuer(trust.identity, systemClock));
        try {
          let edr = edrOf(t.dataAddress);
          const exp = JSON.parse(Buffer.from(edr.token.split('.')[1] ?? '', 'base64url').toString() || '{}') as { exp?: number };
          if (typeof exp.exp === 'number' && exp.exp * 1000 <= systemClock.now().getTime() + 5000) edr = await refreshToken(peers, t.counterparty.participantId, edr);
          const result = await pull(peers, t.counterparty.participantId, edr, out);
          io.err(`pulled ${result.bytes} bytes of ${id}${values.out ? ` into ${String(values.out)}` : ''}`);
          if (result.stopped) {
            // The data before the marker is what the agreement allowed; the marker says why there is no more.
            io.err(`kouan: the provider's gateway ended the stream early: ${result.stopped.message} [${result.stopped.code}]`);
            return EXIT.refused;
          }
          return EXIT.ok;
        } catch (error) {
          const e = error as { code?: string; status?: number; message: string };
          if (e.status && e.status >= 400 && e.status < 500) {
            io.err(`kouan: ${e.message}`);
            return EXIT.refused;
          }
          throw error;
        } finally {
          await peers.close();
          trust.close();
        }
      },
    },
  ],
};
