/** Debian's Chromium driven by playwright-core (which downloads no browser of its own). */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium binary; CI installs Debian's package (`apt-get install chromium`). */
export const CHROMIUM = process.env.KOUAN_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Fails, never skips, when the binary is missing: a browser test that does not run proves nothing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: the dashboard tests need Debian's chromium (apt-get install -y --no-install-recommends chromium) or KOUAN_TEST_CHROMIUM set to a Chromium binary`);
  return chromium.launch({ executablePath: CHROMIUM });
}
