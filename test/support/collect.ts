import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

/** A sink that keeps what was written, for reading pulled data in a test (UTF-8, whatever the chunk boundaries). */
export class Collect extends Writable {
  readonly #decoder = new StringDecoder('utf8');
  text = '';

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += this.#decoder.write(chunk);
    done();
  }

  override _final(done: () => void): void {
    this.text += this.#decoder.end();
    done();
  }

  /** The NDJSON lines written, parsed. */
  lines(): Array<Record<string, unknown>> {
    return this.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
