import type * as TS from 'typescript';
import type { Candidate, ExtractContext } from './types';
import { decodeEntities, srcsetUrls } from './attribute-text';
import { IMAGE_EXTENSIONS } from './paths';

/**
 * The TypeScript parser loads in about half a second: only pay for it when a JS/TS file is parsed
 * (a CLI run over a site without scripts, or a warm rescan, never does).
 */
let loaded: typeof TS | undefined;
const ts: typeof TS = new Proxy({} as typeof TS, {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  get: (_target, key) => (loaded ??= require('typescript') as typeof TS)[key as keyof typeof TS],
});

export type JsLang = 'js' | 'ts' | 'jsx' | 'tsx';

/** Any image extension anywhere: files without one cannot hold a string that names an image. */
export const IMAGE_EXT_ANYWHERE = new RegExp(`\\.(${[...IMAGE_EXTENSIONS].join('|')})\\b`, 'i');

const kindOf = (lang: JsLang): TS.ScriptKind =>
  ({ js: ts.ScriptKind.JS, jsx: ts.ScriptKind.JSX, ts: ts.ScriptKind.TS, tsx: ts.ScriptKind.TSX })[lang];

function isStringish(n: TS.Node): n is TS.StringLiteral | TS.NoSubstitutionTemplateLiteral {
  return n.kind === ts.SyntaxKind.StringLiteral || n.kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral;
}

function isImportMetaUrl(n: TS.Node | undefined): boolean {
  return (
    !!n &&
    ts.isPropertyAccessExpression(n) &&
    n.name.text === 'url' &&
    ts.isMetaProperty(n.expression) &&
    n.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
    n.expression.name.text === 'meta'
  );
}

/**
 * References in JS/TS/JSX/TSX source at file offset `base`: static and dynamic imports, require(),
 * new URL(…, import.meta.url), JSX attributes, and other string/template literals without
 * substitutions (these only when they resolve to an image; decided later). Comments are never read.
 * TypeScript's parser recovers from syntax errors, so a half-typed file still yields its references.
 */
export function extractJsText(ctx: ExtractContext, text: string, base: number, lang: JsLang): void {
  if (!IMAGE_EXT_ANYWHERE.test(text)) return;
  const sf = ts.createSourceFile(`x.${lang}`, text, ts.ScriptTarget.Latest, false, kindOf(lang));
  // The cast stays: parseDiagnostics is internal to TypeScript (not in its public typings), and the only
  // way to hear of syntax errors without building a whole Program.
  const diags = (sf as unknown as { parseDiagnostics?: TS.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diags.length > 0) {
    const d = diags[0];
    const line = ctx.line(base + d.start);
    ctx.errors.push(
      `${ctx.filePath}:${line}: ${lang.toUpperCase()} syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}` +
        `${diags.length > 1 ? ` (+${diags.length - 1} more)` : ''} (references were still read from the recovered parse)`,
    );
  }
  const done = new Set<TS.Node>();
  const lit = (
    n: TS.StringLiteral | TS.NoSubstitutionTemplateLiteral,
    kind: Candidate['kind'],
    strength: Candidate['strength'],
    group?: number,
  ) => {
    done.add(n);
    const s = n.getStart(sf) + 1;
    let e = n.end;
    const q = text[s - 1];
    if (e > s && text[e - 1] === q) e--;
    if (e < s) return;
    ctx.candidates.push({ start: base + s, end: base + e, value: n.text, kind, strength, variantGroup: group });
  };
  const jsx = (tag: TS.JsxTagNameExpression, attrs: TS.JsxAttributes) => {
    const tagName = ts.isIdentifier(tag) ? tag.text : '';
    const isImg = tagName === 'img';
    let group: number | undefined;
    for (const p of attrs.properties) {
      if (!ts.isJsxAttribute(p) || !p.initializer || !ts.isStringLiteral(p.initializer)) continue;
      const name = ts.isIdentifier(p.name) ? p.name.text : `${p.name.namespace.text}:${p.name.name.text}`;
      const init = p.initializer;
      done.add(init);
      const s = init.getStart(sf) + 1;
      const e = text[init.end - 1] === text[s - 1] ? init.end - 1 : init.end;
      const raw = text.slice(s, e);
      if (name === 'srcSet' || name === 'srcset') {
        const urls = srcsetUrls(raw);
        group ??= urls.length > 1 || isImg ? ctx.nextGroup() : undefined;
        for (const u of urls)
          ctx.candidates.push({
            start: base + s + u.start,
            end: base + s + u.end,
            value: decodeEntities(raw.slice(u.start, u.end)),
            kind: 'srcset',
            strength: isImg ? 'strong' : 'weak',
            variantGroup: group,
          });
      } else {
        const kind: Candidate['kind'] =
          name === 'src' ? 'src' : name === 'poster' ? 'poster' : name === 'href' || name === 'xlinkHref' ? 'href' : 'string';
        const strength: Candidate['strength'] =
          kind === 'string' ? 'string' : (isImg && kind === 'src') || kind === 'poster' ? 'strong' : 'weak';
        ctx.candidates.push({ start: base + s, end: base + e, value: decodeEntities(raw), kind, strength });
      }
    }
    // src and srcSet of one <img> belong together
    if (group !== undefined) {
      for (let k = ctx.candidates.length - 1; k >= 0 && ctx.candidates[k].start >= base + attrs.pos; k--) {
        if (ctx.candidates[k].kind === 'src' && ctx.candidates[k].variantGroup === undefined) ctx.candidates[k].variantGroup = group;
      }
    }
  };
  const visit = (n: TS.Node): void => {
    switch (n.kind) {
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration: {
        const spec = (n as TS.ImportDeclaration | TS.ExportDeclaration).moduleSpecifier;
        if (spec && isStringish(spec)) lit(spec, 'import', 'weak');
        break;
      }
      case ts.SyntaxKind.ExternalModuleReference: {
        const e = (n as TS.ExternalModuleReference).expression;
        if (isStringish(e)) lit(e, 'require', 'weak');
        break;
      }
      case ts.SyntaxKind.CallExpression: {
        const c = n as TS.CallExpression;
        const a0 = c.arguments[0];
        if (a0 && isStringish(a0)) {
          if (c.expression.kind === ts.SyntaxKind.ImportKeyword) lit(a0, 'import', 'weak');
          else if (ts.isIdentifier(c.expression) && c.expression.text === 'require') lit(a0, 'require', 'weak');
          else if (
            ts.isPropertyAccessExpression(c.expression) &&
            ts.isIdentifier(c.expression.expression) &&
            c.expression.expression.text === 'require' &&
            c.expression.name.text === 'resolve'
          )
            lit(a0, 'require', 'weak');
        }
        break;
      }
      case ts.SyntaxKind.NewExpression: {
        const ne = n as TS.NewExpression;
        const a0 = ne.arguments?.[0];
        if (a0 && isStringish(a0) && ts.isIdentifier(ne.expression) && ne.expression.text === 'URL' && isImportMetaUrl(ne.arguments?.[1])) {
          lit(a0, 'new-url', 'weak');
        }
        break;
      }
      case ts.SyntaxKind.JsxSelfClosingElement: {
        const j = n as TS.JsxSelfClosingElement;
        jsx(j.tagName, j.attributes);
        break;
      }
      case ts.SyntaxKind.JsxOpeningElement: {
        const j = n as TS.JsxOpeningElement;
        jsx(j.tagName, j.attributes);
        break;
      }
      case ts.SyntaxKind.StringLiteral:
      case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
        if (!done.has(n)) lit(n as TS.StringLiteral, 'string', 'string');
        return;
      case ts.SyntaxKind.LiteralType:
      case ts.SyntaxKind.ImportType:
      case ts.SyntaxKind.ModuleDeclaration:
        return; // types and `declare module '*.png'` name no file
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}

/** A JS expression embedded in markup (Vue :src="…"), at file offset `base`. */
export function extractJsExpression(ctx: ExtractContext, text: string, base: number): void {
  if (!IMAGE_EXT_ANYWHERE.test(text)) return;
  const before = ctx.errors.length;
  extractJsText(ctx, `(${text})`, base - 1, 'ts');
  ctx.errors.length = before; // an expression that is not valid TS (Vue filters, …) is not the file's fault
}
