import * as assert from 'node:assert/strict';
import { OpenDocuments } from '../../daemon/lsp/documents';

describe('LSP open documents: bounds per document and per connection', () => {
  const limits = { maxDocumentChars: 100, maxDocumentsPerClient: 2, maxCharsPerClient: 150 };
  const edit = (line: number, character: number, text: string) => ({
    range: { start: { line, character }, end: { line, character } },
    text,
  });

  it('drops a document that grows past the limit by typing, and takes it back on a full-text change that fits', () => {
    const docs = new OpenDocuments(limits);
    assert.ok('open' in docs.open('file:///a.html', 'html', 1, 'x'.repeat(90), 'c1'));
    const grown = docs.change('file:///a.html', 2, [edit(0, 0, 'y'.repeat(20))], 'c1');
    assert.ok(grown && 'refused' in grown && /more than the/.test(grown.refused.reason));
    assert.equal(docs.get('file:///a.html', 'c1'), undefined, 'no text kept');
    assert.deepEqual(docs.usage('c1'), { documents: 0, chars: 0 });
    assert.equal(docs.change('file:///a.html', 3, [edit(0, 0, 'z')], 'c1'), undefined, 'incremental edits of dropped text are ignored');
    const back = docs.change('file:///a.html', 4, [{ text: 'short' }, edit(0, 5, '!')], 'c1');
    assert.ok(back && 'open' in back);
    assert.equal(back.open.document.getText(), 'short!');
    assert.deepEqual(docs.usage('c1'), { documents: 1, chars: 6 });
  });

  it('counts documents and characters per connection, and frees them with the connection', () => {
    const docs = new OpenDocuments(limits);
    assert.ok('open' in docs.open('file:///a.html', 'html', 1, 'a'.repeat(80), 'c1'));
    const tooMuch = docs.open('file:///b.html', 'html', 1, 'b'.repeat(80), 'c1');
    assert.ok('refused' in tooMuch && /would pass the limit/.test(tooMuch.refused.reason));
    assert.ok('open' in docs.open('file:///b.html', 'html', 1, 'b'.repeat(10), 'c1'));
    const third = docs.open('file:///c.html', 'html', 1, 'c', 'c1');
    assert.ok('refused' in third && /already has 2 documents open/.test(third.refused.reason));
    // Another connection has its own allowance and its own copy of a file.
    assert.ok('open' in docs.open('file:///a.html', 'html', 1, 'other', 'c2'));
    assert.equal(docs.get('file:///a.html', 'c1')!.document.getText(), 'a'.repeat(80));
    assert.deepEqual(docs.closeClient('c1').sort(), ['file:///a.html', 'file:///b.html']);
    assert.deepEqual(docs.usage('c1'), { documents: 0, chars: 0 });
    assert.equal(docs.isRefused('file:///c.html', 'c1'), false);
    assert.equal(docs.get('file:///a.html', 'c2')!.document.getText(), 'other');
  });
});
