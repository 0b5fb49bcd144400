import { parse, postprocess, preprocess } from 'micromark';
import type { ExtractContext } from './types';
import { decodeEntities } from './attribute-text';
import { extractHtmlText } from './html';

const normalizeLabel = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
const unescapeMd = (s: string) => decodeEntities(s.replace(/\\([!-/:-@[-`{-~])/g, '$1'));

/**
 * CommonMark at file offset `base`: image destinations `![alt](path "title")`, link destinations
 * to images `[x](a.png)`, reference definitions `[id]: path` (strong when an image uses the id),
 * and inline/block HTML (given to the HTML extractor). Code spans and code blocks are not read.
 */
export function extractMarkdownText(ctx: ExtractContext, text: string, base: number): void {
  if (!text.includes('](') && !text.includes(']:') && !text.includes('<') && !text.includes('][') && !text.includes('![')) return;
  const events = postprocess(
    parse()
      .document()
      .write(preprocess()(text, undefined, true)),
  );
  const stack: { type: 'image' | 'link'; ref?: string; label?: string; hasDest: boolean }[] = [];
  const imageIds = new Set<string>();
  const defs: { id: string; start: number; end: number }[] = [];
  let def: { id: string; start: number; end: number } | undefined;
  for (const [phase, token] of events) {
    const type = token.type as string;
    if (phase === 'enter') {
      switch (type) {
        case 'image':
        case 'link':
          stack.push({ type, hasDest: false });
          break;
        case 'resourceDestinationString': {
          const top = stack[stack.length - 1];
          if (!top) break;
          top.hasDest = true;
          const s = token.start.offset;
          const e = token.end.offset;
          ctx.candidates.push({
            start: base + s,
            end: base + e,
            value: unescapeMd(text.slice(s, e)),
            kind: top.type === 'image' ? 'markdown-image' : 'href',
            strength: top.type === 'image' ? 'strong' : 'weak',
          });
          break;
        }
        case 'referenceString': {
          const top = stack[stack.length - 1];
          if (top) top.ref = text.slice(token.start.offset, token.end.offset);
          break;
        }
        case 'labelText': {
          const top = stack[stack.length - 1];
          if (top && top.label === undefined) top.label = text.slice(token.start.offset, token.end.offset);
          break;
        }
        case 'definition':
          def = { id: '', start: -1, end: -1 };
          break;
        case 'definitionLabelString':
          if (def) def.id = normalizeLabel(text.slice(token.start.offset, token.end.offset));
          break;
        case 'definitionDestinationString':
          if (def) {
            def.start = token.start.offset;
            def.end = token.end.offset;
          }
          break;
        case 'htmlFlow':
        case 'htmlText': {
          const s = token.start.offset;
          extractHtmlText(ctx, text.slice(s, token.end.offset), base + s, 'html');
          break;
        }
      }
    } else if (type === 'image' || type === 'link') {
      const top = stack.pop();
      if (top && top.type === 'image' && !top.hasDest) {
        const id = top.ref !== undefined && top.ref !== '' ? top.ref : top.label;
        if (id !== undefined) imageIds.add(normalizeLabel(id));
      }
    } else if (type === 'definition' && def) {
      if (def.start >= 0) defs.push(def);
      def = undefined;
    }
  }
  for (const d of defs) {
    ctx.candidates.push({
      start: base + d.start,
      end: base + d.end,
      value: unescapeMd(text.slice(d.start, d.end)),
      kind: 'markdown-definition',
      strength: imageIds.has(d.id) ? 'strong' : 'weak',
    });
  }
}
