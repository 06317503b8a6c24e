import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerFraming } from '../src/answer.framing.ts';

function follow(request: string, ...chunks: string[]): boolean[] {
  const framing = new AnswerFraming();
  framing.reset(Buffer.from(request));
  return chunks.map((chunk) => {
    framing.feed(Buffer.from(chunk));
    return framing.complete;
  });
}

describe('AnswerFraming', () => {
  it('completes a Content-Length answer at its last byte, across chunks and a split head', () => {
    assert.deepEqual(follow('GET / HTTP/1.1', 'HTTP/1.1 200 OK\r\nContent-Le', 'ngth: 5\r\n\r\nab', 'cde'), [
      false,
      false,
      true,
    ]);
  });

  it('completes a chunked answer at its last chunk', () => {
    assert.deepEqual(
      follow(
        'GET / HTTP/1.1',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
        '0\r\n',
        '\r\n',
      ),
      [false, false, true],
    );
  });

  it('completes answers without a body at the end of the head (HEAD, 204, 304, Content-Length 0)', () => {
    assert.deepEqual(follow('HEAD / HTTP/1.1', 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'), [true]);
    assert.deepEqual(follow('GET / HTTP/1.1', 'HTTP/1.1 204 No Content\r\n\r\n'), [true]);
    assert.deepEqual(follow('GET / HTTP/1.1', 'HTTP/1.1 304 Not Modified\r\n\r\n'), [true]);
    assert.deepEqual(follow('GET / HTTP/1.1', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), [true]);
  });

  it('never completes an answer that ends with the connection, or whose head is too large', () => {
    assert.deepEqual(follow('GET / HTTP/1.1', 'HTTP/1.1 200 OK\r\n\r\nstream', 'more'), [false, false]);
    assert.deepEqual(follow('GET / HTTP/1.1', `HTTP/1.1 200 OK\r\nX: ${'y'.repeat(17_000)}`, '\r\n\r\n'), [
      false,
      false,
    ]);
  });

  it('follows the next answer afresh after a reset', () => {
    const framing = new AnswerFraming();
    framing.reset(Buffer.from('GET /1 HTTP/1.1'));
    framing.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'));
    assert.equal(framing.complete, true);
    framing.reset(Buffer.from('GET /2 HTTP/1.1'));
    assert.equal(framing.complete, false);
    framing.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nb'));
    assert.equal(framing.complete, false);
  });
});
