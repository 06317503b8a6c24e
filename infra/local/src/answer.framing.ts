/** Headers larger than this are not followed: the answer counts as never complete. */
const MAX_HEAD_BYTES = 16 * 1024;
const CHUNKED_END = '0\r\n\r\n';

/**
 * Follows one HTTP/1.1 answer as it streams through the front, just far enough to tell when it is complete: by
 * `Content-Length`, by the last chunk of a chunked body, or at the end of the head for answers without a body
 * (HEAD, 204, 304). An answer that ends when the connection closes is never complete. The front uses it to
 * tell a replica that died between two requests of a keep-alive connection (the client may go on elsewhere)
 * from one that died in the middle of an answer (the client must see the connection fail).
 */
export class AnswerFraming {
  #head = '';
  #inHead = true;
  #remaining = Number.NaN;
  #chunked = false;
  #tail = '';
  #complete = false;
  #noBody = false;

  /** Starts following the answer to a new request (`HEAD` requests get no body). */
  reset(requestStart: Buffer | undefined): void {
    this.#head = '';
    this.#inHead = true;
    this.#remaining = Number.NaN;
    this.#chunked = false;
    this.#tail = '';
    this.#complete = false;
    this.#noBody = requestStart?.subarray(0, 5).toString('latin1') === 'HEAD ';
  }

  get complete(): boolean {
    return this.#complete;
  }

  feed(chunk: Buffer): void {
    if (this.#complete) return;
    let body = chunk;
    if (this.#inHead) {
      const text = this.#head + chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) {
        this.#head = text.length > MAX_HEAD_BYTES ? '' : text;
        if (text.length > MAX_HEAD_BYTES) this.#inHead = false; // never complete
        return;
      }
      this.#inHead = false;
      this.#readHead(text.slice(0, end));
      body = Buffer.from(text.slice(end + 4), 'latin1');
      if (this.#complete) return;
    }
    if (this.#chunked) {
      this.#tail = (this.#tail + body.toString('latin1')).slice(-CHUNKED_END.length);
      this.#complete = this.#tail === CHUNKED_END;
    } else if (!Number.isNaN(this.#remaining)) {
      this.#remaining -= body.length;
      this.#complete = this.#remaining <= 0;
    }
  }

  #readHead(head: string): void {
    const [statusLine = '', ...lines] = head.split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    if (this.#noBody || status === 204 || status === 304) {
      this.#complete = true;
      return;
    }
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'transfer-encoding' && value.includes('chunked')) this.#chunked = true;
      if (name === 'content-length' && /^\d+$/.test(value)) this.#remaining = Number(value);
    }
    if (this.#chunked) this.#remaining = Number.NaN;
    if (this.#remaining === 0) this.#complete = true;
  }
}
