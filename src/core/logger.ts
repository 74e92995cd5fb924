import { pino, type Logger, type LoggerOptions } from 'pino';

/** Paths that never reach a log line: credentials, tokens, keys and signatures. */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'key',
  '*.key',
  'privateKey',
  '*.privateKey',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'pseudonymKey',
  '*.pseudonymKey',
];

export function createLogger(options: { level?: string; name?: string } = {}, destination?: pino.DestinationStream): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: options.name ? { svc: options.name } : null,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(config, destination) : pino(config);
}
