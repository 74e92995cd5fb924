#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so `npx kouan` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Every command awaits its own work (a server runs until it is signalled); whatever still holds the event
// loop afterwards (keep-alive sockets, library timers) must not keep the command alive. Flush, then exit.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
