import { loadConfigFile } from '../core/config.ts';
import { ConnectorConfigSchema } from '../main/connector-config.ts';
import { startConnector } from '../main/connector.ts';
import { EXIT, required, type Group } from './command.ts';

/** Resolves when the process is asked to stop (Ctrl-C or a service manager's TERM). */
export const untilSignalled = (): Promise<string> =>
  new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });

export const connector: Group = {
  name: 'connector',
  summary: "Run a participant's connector (Dataspace Protocol endpoint, management API, state machines).",
  commands: [
    {
      name: 'start',
      summary: 'Start a connector from a JSON config file and run until SIGINT/SIGTERM.',
      usage: '--config FILE',
      options: { config: { type: 'string' } },
      help: { config: 'The connector config (JSON; see the configuration reference in the README).' },
      async run(values, _p, io) {
        const config = loadConfigFile(ConnectorConfigSchema, required(values, 'config'));
        const running = await startConnector(config);
        io.out(JSON.stringify({ participantId: running.participantId, dsp: running.dspUrl, management: running.managementUrl }));
        const signal = await untilSignalled();
        running.log.info({ signal }, 'stopping');
        await running.stop();
        return EXIT.ok;
      },
    },
  ],
};
