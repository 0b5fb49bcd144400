#!/usr/bin/env node
// The import rules of ARCHITECTURE.md's code map, checked on every `npm run lint` (`lint:deps`):
//
//   - no cycle between folders (daemon/<folder>/, daemon/analysis.ts, protocol/, extension/, test/, bench/), and
//     no cycle between files;
//   - the boundaries of import-rules.mjs (the extension imports only protocol/, protocol/ imports nothing of
//     ours, the engine knows nothing of transports…).
//
// Imports are read and resolved by TypeScript itself (ts.preProcessFile + ts.resolveModuleName with the
// repository's compiler options), so `import type`, `export … from`, `require()` and dynamic `import()` all
// count: a type-only import still ties the importer to the other side's code. npm packages and Node built-ins
// are not checked (ESLint and the tsconfigs see to those).
//
//   node scripts/check-imports.mjs                   the repository
//   node scripts/check-imports.mjs --root DIR        another tree with the same layout (the self-test plants
//                                                    violations in a temporary copy)
//
// Exit 0 when clean, 1 with one line per violation, 2 on a usage error. Takes about a second.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { BOUNDARIES, KNOWN_EXCEPTIONS, SOURCE_FOLDERS } from './import-rules.mjs';

const argv = process.argv.slice(2);
const rootAt = argv.indexOf('--root');
if (rootAt >= 0 && !argv[rootAt + 1]) {
  console.error('usage: node scripts/check-imports.mjs [--root DIR]');
  process.exit(2);
}
const root = path.resolve(rootAt >= 0 ? argv[rootAt + 1] : path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));

/** Repository-relative paths with `/`, of every .ts file under the source folders (no .d.ts). */
function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(rel);
      } else if (entry.isFile() && /\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(rel);
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) if (fs.existsSync(path.join(root, folder))) walk(folder);
  return files.sort();
}

/** The unit of the folder graph: daemon/<folder> (or daemon/<file> at its top), else the top folder. */
export function folderOf(file) {
  const parts = file.split('/');
  if (parts[0] === 'daemon' && parts.length > 1) return parts.length === 2 ? file : `daemon/${parts[1]}`;
  return parts[0];
}

const compilerOptions = {
  module: ts.ModuleKind.Node20,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  allowJs: false,
  resolveJsonModule: true,
};
const host = ts.createCompilerHost(compilerOptions);
const resolutionCache = ts.createModuleResolutionCache(root, (f) => f, compilerOptions);

/** Every import of `file` that resolves to another source file of the tree: [{ to, specifier, line }]. */
function importsOf(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const lineOf = (pos) => text.slice(0, pos).split('\n').length;
  const found = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue; // a package or a built-in
    const resolved = ts.resolveModuleName(ref.fileName, path.join(root, file), compilerOptions, host, resolutionCache).resolvedModule;
    if (!resolved || resolved.isExternalLibraryImport) continue;
    const to = path.relative(root, resolved.resolvedFileName).split(path.sep).join('/');
    if (to.startsWith('..')) continue;
    found.push({ to: to.replace(/\.d\.ts$/, '.ts'), specifier: ref.fileName, line: lineOf(ref.pos) });
  }
  return found;
}

const matches = (patterns, file) => patterns.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

function isKnownException(from, to) {
  return KNOWN_EXCEPTIONS.some((e) => matches([e.from], from) && matches([e.to], to));
}

/** Strongly connected components of size > 1 (Tarjan), each sorted, in a stable order. */
function cycles(nodes, edges) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The imports, one line each, that make up a cycle among `members` (files or folders, via `unit`). */
function cycleEdges(members, unit, imports) {
  const inside = new Set(members);
  return imports
    .filter((i) => inside.has(unit(i.from)) && inside.has(unit(i.to)) && unit(i.from) !== unit(i.to))
    .map((i) => `    ${i.from}:${i.line} imports ${i.specifier}`);
}

export function check() {
  const files = sourceFiles();
  const imports = files.flatMap((from) => importsOf(from).map((i) => ({ from, ...i })));
  const problems = [];

  for (const i of imports) {
    for (const rule of BOUNDARIES) {
      if (!matches(rule.from, i.from) || !matches(rule.to, i.to)) continue;
      if (rule.exceptFrom && matches(rule.exceptFrom, i.from)) continue;
      if (rule.except && matches(rule.except, i.to)) continue;
      if (isKnownException(i.from, i.to)) continue;
      problems.push(`${i.from}:${i.line}: imports ${i.specifier} (${i.to}): ${rule.message}`);
    }
  }

  const graph = (unit) => {
    const edges = new Map();
    for (const i of imports) {
      if (isKnownException(i.from, i.to)) continue;
      const a = unit(i.from);
      const b = unit(i.to);
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a).add(b);
    }
    return edges;
  };
  const checkedImports = imports.filter((i) => !isKnownException(i.from, i.to));
  for (const component of cycles(new Set(files.map(folderOf)), graph(folderOf))) {
    problems.push(
      `cycle between folders ${component.join(' ↔ ')}: one of these imports must go (or the code move):\n${cycleEdges(component, folderOf, checkedImports).join('\n')}`,
    );
  }
  const self = (f) => f;
  for (const component of cycles(new Set(files), graph(self))) {
    problems.push(
      `cycle between files ${component.join(' ↔ ')}: move what they share into a file both import:\n${cycleEdges(component, self, checkedImports).join('\n')}`,
    );
  }
  return { files: files.length, imports: imports.length, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { files, imports, problems } = check();
  for (const p of problems) console.error(p);
  const summary = `check-imports: ${files} files, ${imports} imports between them, ${problems.length} violation${problems.length === 1 ? '' : 's'} (${Date.now() - started} ms)`;
  if (problems.length > 0) {
    console.error(`${summary}. The rules and their reasons: scripts/import-rules.mjs and ARCHITECTURE.md's code map.`);
    process.exit(1);
  }
  console.log(summary);
}
