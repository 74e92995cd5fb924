import { Writable } from 'node:stream';

/** A sink that keeps what was written, for reading pulled data in a test. */
export class Collect extends Writable {
  text = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }

  /** The NDJSON lines written, parsed. */
  lines(): Array<Record<string, unknown>> {
    return this.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
