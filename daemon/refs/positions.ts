import type { Position } from './types';

/** Maps UTF-16 offsets to LSP line/character; line breaks are \n, \r\n and \r (as LSP defines them). */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    if (!text.includes('\r')) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** Like position(), searching forward from a line known to start at or before offset (sorted input). */
  positionFrom(offset: number, fromLine: number): Position {
    const s = this.starts;
    let l = fromLine;
    if (s[l] > offset) return this.position(offset);
    while (l + 1 < s.length && s[l + 1] <= offset) l++;
    return { line: l, character: offset - s[l] };
  }

  position(offset: number): Position {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - s[lo] };
  }
}
