import { codes, type Code, type TlsReason, type TokenReason } from './codes.ts';

/** Base of every expected failure: a stable code, its HTTP status and a message safe to show the caller. */
export class KouanError extends Error {
  readonly code: Code;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: Code, message?: string, details?: Record<string, unknown>) {
    super(message ?? codes[code].summary);
    this.name = new.target.name;
    this.code = code;
    this.status = codes[code].status;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export class InputError extends KouanError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INPUT_INVALID', message, details);
  }
}

export class ConfigError extends KouanError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFIG_INVALID', message, details);
  }
}

export class NotFoundError extends KouanError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends KouanError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class PkiError extends KouanError {
  constructor(code: Extract<Code, `PKI_${string}`>, message?: string) {
    super(code, message);
  }
}

/** The peer's TLS certificate is refused. */
export class PeerRejectedError extends KouanError {
  constructor(code: TlsReason, message?: string) {
    super(code, message);
  }
}

/** A new CRL is refused; the CRL in force stays. */
export class CrlRefusedError extends KouanError {
  constructor(code: Extract<Code, 'TLS_CRL_INVALID' | 'TLS_CRL_ROLLBACK'>, message?: string) {
    super(code, message);
  }
}

/** A request or access token is refused. */
export class TokenRejectedError extends KouanError {
  constructor(code: TokenReason, message?: string) {
    super(code, message);
  }
}

export class SignatureError extends KouanError {
  constructor(message?: string) {
    super('JWS_INVALID', message);
  }
}
