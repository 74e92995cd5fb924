import type { Static, TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { loadConfigFile } from '../core/config.ts';
import { ConnectorConfigSchema } from '../main/connector-config.ts';
import { startConnector } from '../main/connector.ts';
import { EXIT, required, type Command, type Group } from './command.ts';

/** Resolves when the process is asked to stop (Ctrl-C or a service manager's TERM). */
export const untilSignalled = (): Promise<string> =>
  new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });

/**
 * `kouan <service> start --config FILE`: validates the config, starts the service, prints one JSON line saying
 * where it listens, and runs until SIGINT/SIGTERM.
 */
export function startCommand<S extends TObject, R extends { log: Logger; stop(): Promise<void> }>(service: string, schema: S, start: (config: Static<S>) => Promise<R>, banner: (running: R) => Record<string, unknown>): Command {
  return {
    name: 'start',
    summary: `Start a ${service} from a JSON config file and run until SIGINT/SIGTERM.`,
    usage: '--config FILE',
    options: { config: { type: 'string' } },
    help: { config: `The ${service} config (JSON; see docs/configuration.md).` },
    async run(values, _p, io) {
      const running = await start(loadConfigFile(schema, required(values, 'config')));
      io.out(JSON.stringify(banner(running)));
      const signal = await untilSignalled();
      running.log.info({ signal }, 'stopping');
      await running.stop();
      return EXIT.ok;
    },
  };
}

export const connector: Group = {
  name: 'connector',
  summary: "Run a participant's connector (Dataspace Protocol endpoint, management API, state machines).",
  commands: [
    startCommand('connector', ConnectorConfigSchema, (config) => startConnector(config), (c) => ({ participantId: c.participantId, dsp: c.dspUrl, management: c.managementUrl })),
  ],
};
