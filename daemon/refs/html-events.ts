/**
 * The tag events of an HTML text, from htmlparser2's Tokenizer driven directly: the element stack of
 * htmlparser2's Parser (implied end tags, void elements, SVG/MathML foreign content, `image` read as `img`,
 * a nested `<form>` ignored, `</p>` and `</br>` with no open element), and the same start and end offsets,
 * without what a reference finder never reads.
 *
 * Why not the Parser: for every attribute it concatenates the value and fills an attribute object, and it
 * slices every text run, which cost half of the HTML pass on a 5 000-line template. Here an attribute is
 * offsets until the reader asks for it, and text is an offset. The stack logic follows htmlparser2 12's
 * Parser step by step (its tables are copied below: they are not exported); test/refs/html-events.test.ts
 * compares the references found through both on the example sites and generated templates.
 *
 * Options are those the reference finder uses: HTML mode, entities not decoded, tag names lower-cased.
 */
import { Tokenizer, QuoteType, type TokenizerCallbacks } from 'htmlparser2';

/** What the reader of the events is told. Offsets are those htmlparser2's Parser reports as startIndex/endIndex. */
export interface HtmlEventHandler {
  /**
   * An attribute with a value (`quote` null: unquoted). Attributes without a value are not reported.
   * [nameStart, nameEnd) is its name as written, [valueStart, valueEnd) its value as written; `endIndex` is
   * the Parser's endIndex (after the closing quote).
   */
  onattribute(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, quote: '"' | "'" | null, endIndex: number): void;
  /** An element starts (its start tag is complete); `start` is the offset of its "<", `endIndex` of its ">". */
  onopentag(name: string, start: number, endIndex: number): void;
  /** Text (or CDATA in foreign content) ending at `endIndex` (inclusive). */
  ontext(endIndex: number): void;
  /** An element ends: `implied` when no end tag of its own closed it; `startIndex` is the Parser's at that point. */
  onclosetag(name: string, implied: boolean, startIndex: number): void;
}

const formTags = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const pTag = new Set(['p']);
const headingTags = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const tableSectionTags = new Set(['thead', 'tbody']);
const ddtTags = new Set(['dd', 'dt']);
const rtpTags = new Set(['rt', 'rp']);
const openImpliesClose = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['p', pTag],
  ['h1', headingTags],
  ['h2', headingTags],
  ['h3', headingTags],
  ['h4', headingTags],
  ['h5', headingTags],
  ['h6', headingTags],
  ['select', formTags],
  ['input', formTags],
  ['output', formTags],
  ['button', formTags],
  ['datalist', formTags],
  ['textarea', formTags],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', ddtTags],
  ['dt', ddtTags],
  ['address', pTag],
  ['article', pTag],
  ['aside', pTag],
  ['blockquote', pTag],
  ['details', pTag],
  ['div', pTag],
  ['dl', pTag],
  ['fieldset', pTag],
  ['figcaption', pTag],
  ['figure', pTag],
  ['footer', pTag],
  ['form', pTag],
  ['header', pTag],
  ['hr', pTag],
  ['main', pTag],
  ['nav', pTag],
  ['ol', pTag],
  ['pre', pTag],
  ['section', pTag],
  ['table', pTag],
  ['ul', pTag],
  ['rt', rtpTags],
  ['rp', rtpTags],
  ['tbody', tableSectionTags],
  ['tfoot', tableSectionTags],
]);
const voidElements = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
const foreignContextElements = new Set(['math', 'svg']);
const htmlIntegrationElements = new Set(['mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'foreignObject', 'desc', 'title']);
const svgTagNameAdjustments = new Map([
  ['altglyph', 'altGlyph'],
  ['altglyphdef', 'altGlyphDef'],
  ['altglyphitem', 'altGlyphItem'],
  ['animatecolor', 'animateColor'],
  ['animatemotion', 'animateMotion'],
  ['animatetransform', 'animateTransform'],
  ['clippath', 'clipPath'],
  ['feblend', 'feBlend'],
  ['fecolormatrix', 'feColorMatrix'],
  ['fecomponenttransfer', 'feComponentTransfer'],
  ['fecomposite', 'feComposite'],
  ['feconvolvematrix', 'feConvolveMatrix'],
  ['fediffuselighting', 'feDiffuseLighting'],
  ['fedisplacementmap', 'feDisplacementMap'],
  ['fedistantlight', 'feDistantLight'],
  ['fedropshadow', 'feDropShadow'],
  ['feflood', 'feFlood'],
  ['fefunca', 'feFuncA'],
  ['fefuncb', 'feFuncB'],
  ['fefuncg', 'feFuncG'],
  ['fefuncr', 'feFuncR'],
  ['fegaussianblur', 'feGaussianBlur'],
  ['feimage', 'feImage'],
  ['femerge', 'feMerge'],
  ['femergenode', 'feMergeNode'],
  ['femorphology', 'feMorphology'],
  ['feoffset', 'feOffset'],
  ['fepointlight', 'fePointLight'],
  ['fespecularlighting', 'feSpecularLighting'],
  ['fespotlight', 'feSpotLight'],
  ['fetile', 'feTile'],
  ['feturbulence', 'feTurbulence'],
  ['foreignobject', 'foreignObject'],
  ['glyphref', 'glyphRef'],
  ['lineargradient', 'linearGradient'],
  ['radialgradient', 'radialGradient'],
  ['textpath', 'textPath'],
]);

const NONE = 0;
const SVG = 1;
const MATHML = 2;

/**
 * The Tokenizer skips to the next "<" (text), quote (attribute value) or ">" one character at a time
 * (`fastForwardTo`); String.prototype.indexOf does the same search several times faster. Same contract:
 * the index of the next occurrence after the current one, or the last index and false when there is none.
 * Installed only when the Tokenizer has the method and fields this relies on; otherwise the stock one runs.
 */
interface TokenizerInternals {
  buffer: string;
  index: number;
  offset: number;
}
function fastForwardTo(this: TokenizerInternals, c: number): boolean {
  const found = this.buffer.indexOf(String.fromCharCode(c), this.index + 1 - this.offset);
  if (found >= 0) {
    this.index = found + this.offset;
    return true;
  }
  this.index = this.buffer.length + this.offset - 1;
  return false;
}
class IndexOfTokenizer extends Tokenizer {}
const stock = (Tokenizer.prototype as unknown as Record<string, unknown>).fastForwardTo;
if (typeof stock === 'function' && stock.length === 1) {
  Object.defineProperty(IndexOfTokenizer.prototype, 'fastForwardTo', { value: fastForwardTo, writable: true, configurable: true });
}
/** Whether the indexOf search is in use (a test checks it is, so an htmlparser2 upgrade that drops it is noticed). */
export const fastForwardInstalled = Object.hasOwn(IndexOfTokenizer.prototype, 'fastForwardTo');

/** Reads `text` and reports its tags to `handler`, as htmlparser2's Parser would (see the file comment). */
export function readHtmlEvents(text: string, handler: HtmlEventHandler, recognizeSelfClosing: boolean): void {
  const driver = new HtmlEventDriver(text, handler, recognizeSelfClosing);
  const tokenizer = new IndexOfTokenizer({ decodeEntities: false, recognizeSelfClosing }, driver);
  tokenizer.write(text);
  tokenizer.end();
}

class HtmlEventDriver implements TokenizerCallbacks {
  /** The Parser's startIndex and endIndex (start and end of the last event). */
  private startIndex = 0;
  private endIndex = 0;
  private openTagStart = 0;
  private tagname = '';
  /** An open tag was emitted and its onopentag is due (the Parser's `attribs !== null`). */
  private tagPending = false;
  /** Open elements, innermost last. */
  private readonly stack: string[] = [];
  /** Foreign-content contexts, innermost last. */
  private readonly foreign: number[] = [NONE];
  private nameStart = 0;
  private nameEnd = 0;
  private valueStart = -1;
  private valueEnd = -1;

  constructor(
    private readonly text: string,
    private readonly handler: HtmlEventHandler,
    private readonly recognizeSelfClosing: boolean,
  ) {}

  isInForeignContext(): boolean {
    return this.foreign[this.foreign.length - 1] !== NONE;
  }

  private readTagName(start: number, endIndex: number): string {
    const name = this.text.slice(start, endIndex).toLowerCase();
    const context = this.foreign[this.foreign.length - 1];
    if (context === SVG) return svgTagNameAdjustments.get(name) ?? name;
    if (this.foreign.length > 1) {
      const adjusted = svgTagNameAdjustments.get(name);
      if (adjusted !== undefined && this.stack.includes(adjusted)) return adjusted;
    }
    if (context === NONE) return name === 'image' ? 'img' : name;
    return name;
  }

  ontext(_start: number, endIndex: number): void {
    this.endIndex = endIndex - 1;
    this.handler.ontext(this.endIndex);
    this.startIndex = endIndex;
  }

  ontextentity(_cp: number, endIndex: number): void {
    // Not reached: entities are not decoded.
    this.endIndex = endIndex - 1;
    this.handler.ontext(this.endIndex);
    this.startIndex = endIndex;
  }

  onopentagname(start: number, endIndex: number): void {
    this.endIndex = endIndex;
    this.emitOpenTag(this.readTagName(start, endIndex));
  }

  private emitOpenTag(name: string): void {
    this.openTagStart = this.startIndex;
    this.tagname = name;
    // A second <form> while one is open is ignored (the HTML spec).
    if (name === 'form' && this.stack.includes('form')) {
      this.tagname = '';
      return;
    }
    const impliesClose = openImpliesClose.get(name);
    if (impliesClose) {
      while (this.stack.length > 0 && impliesClose.has(this.stack[this.stack.length - 1])) this.popElement(true);
    }
    if (!voidElements.has(name)) {
      this.stack.push(name);
      if (name === 'svg') this.foreign.push(SVG);
      else if (name === 'math') this.foreign.push(MATHML);
      else if (htmlIntegrationElements.has(name)) this.foreign.push(NONE);
    }
    this.tagPending = true;
  }

  private endOpenTag(): void {
    this.startIndex = this.openTagStart;
    if (this.tagPending) {
      this.tagPending = false;
      this.handler.onopentag(this.tagname, this.startIndex, this.endIndex);
    }
    if (voidElements.has(this.tagname)) this.handler.onclosetag(this.tagname, true, this.startIndex);
    this.tagname = '';
  }

  onopentagend(endIndex: number): void {
    this.endIndex = endIndex;
    this.endOpenTag();
    this.startIndex = endIndex + 1;
  }

  onclosetag(start: number, endIndex: number): void {
    this.endIndex = endIndex;
    // Most end tags close the innermost element, written as it was opened: no slice, no lower-casing. Outside
    // foreign content every name on the stack is lower case and not "image" (read as "img"), so readTagName
    // would return it unchanged.
    const top = this.stack.length > 0 ? this.stack[this.stack.length - 1] : '';
    const name =
      this.foreign.length === 1 && top !== '' && endIndex - start === top.length && this.text.startsWith(top, start)
        ? top
        : this.readTagName(start, endIndex);
    if (!voidElements.has(name)) {
      const at = this.stack.lastIndexOf(name);
      if (at !== -1) {
        for (let k = this.stack.length - 1; k > at; k--) this.popElement(true);
        this.popElement(false);
      } else if (name === 'p') {
        this.emitOpenTag('p');
        this.closeCurrentTag(true);
      }
    } else if (name === 'br') {
      this.handler.onopentag('br', this.startIndex, this.endIndex);
      this.handler.onclosetag('br', false, this.startIndex);
    }
    this.startIndex = endIndex + 1;
  }

  onselfclosingtag(endIndex: number): void {
    this.endIndex = endIndex;
    if (this.recognizeSelfClosing || this.isInForeignContext()) {
      this.closeCurrentTag(false);
      this.startIndex = endIndex + 1;
    } else this.onopentagend(endIndex);
  }

  private popElement(implied: boolean): void {
    const element = this.stack.pop()!;
    if (foreignContextElements.has(element) || htmlIntegrationElements.has(element)) this.foreign.pop();
    this.handler.onclosetag(element, implied, this.startIndex);
  }

  private closeCurrentTag(isOpenImplied: boolean): void {
    const name = this.tagname;
    this.endOpenTag();
    if (this.stack[this.stack.length - 1] === name) this.popElement(!isOpenImplied);
  }

  onattribname(start: number, endIndex: number): void {
    this.startIndex = start;
    this.nameStart = start;
    this.nameEnd = endIndex;
  }

  onattribdata(start: number, endIndex: number): void {
    // Without entity decoding a value comes in one piece; pieces would be contiguous anyway.
    if (this.valueStart < 0) this.valueStart = start;
    this.valueEnd = endIndex;
  }

  onattribentity(): void {
    // Not reached: entities are not decoded.
  }

  onattribend(quote: QuoteType, endIndex: number): void {
    this.endIndex = endIndex;
    if (quote !== QuoteType.NoValue) {
      const start = this.valueStart < 0 ? endIndex : this.valueStart;
      const end = this.valueStart < 0 ? endIndex : this.valueEnd;
      const q = quote === QuoteType.Double ? '"' : quote === QuoteType.Single ? "'" : null;
      this.handler.onattribute(this.nameStart, this.nameEnd, start, end, q, endIndex);
    }
    this.valueStart = -1;
    this.valueEnd = -1;
  }

  ondeclaration(_start: number, endIndex: number): void {
    this.endIndex = endIndex;
    this.startIndex = endIndex + 1;
  }

  onprocessinginstruction(_start: number, endIndex: number): void {
    this.endIndex = endIndex;
    this.startIndex = endIndex + 1;
  }

  oncomment(_start: number, endIndex: number): void {
    this.endIndex = endIndex;
    this.startIndex = endIndex + 1;
  }

  oncdata(_start: number, endIndex: number): void {
    this.endIndex = endIndex;
    // In HTML, CDATA is text in foreign content and a comment elsewhere.
    if (this.isInForeignContext()) this.handler.ontext(this.endIndex);
    this.startIndex = endIndex + 1;
  }

  onend(): void {
    this.endIndex = this.startIndex;
    for (let k = this.stack.length - 1; k >= 0; k--) this.handler.onclosetag(this.stack[k], true, this.startIndex);
  }
}
