/** formatPlan: the dry run as a person reads it. */
import { formatBytes } from '../../protocol/units';
import { displayPath } from './plan';
import type { ReplacePlan } from './types';

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

/** Bytes with thousands separators and the unit every other output uses: "1 234 567 bytes (1.2 MB)". */
function formatByteCount(n: number): string {
  const grouped = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return n < 1024 ? `${grouped} bytes` : `${grouped} bytes (${formatBytes(n)})`;
}

/**
 * Every file with each edit (line:column, 1-based, old → new), every image to remove, the bytes reclaimed,
 * and everything skipped with its reason. Paths relative to `base`.
 */
export function formatPlan(plan: ReplacePlan, base: string): string {
  const show = (p: string) => displayPath(p, base);
  const edits = plan.files.reduce((s, f) => s + f.edits.length, 0);
  const out: string[] = [];
  out.push(
    `Replace plan (classes: ${plan.classes.join(', ')}${plan.groupId ? `; group ${plan.groupId}` : ''}): ` +
      `${plural(edits, 'reference')} to rewrite in ${plural(plan.files.length, 'file')}` +
      (plan.delete ? `, ${plural(plan.removals.length, 'image')} to remove` : ''),
  );
  if (plan.files.length > 0) out.push('', 'Edits:');
  for (const f of plan.files) {
    out.push(`  ${show(f.path)}${f.encoding !== 'utf8' || f.bom ? `  [${f.encoding}${f.bom ? ', BOM' : ''}]` : ''}`);
    for (const e of f.edits) out.push(`    ${e.range.start.line + 1}:${e.range.start.character + 1}  ${e.oldText} → ${e.newText}`);
  }
  if (plan.delete) {
    if (plan.removals.length > 0) {
      out.push('', 'Images to remove (moved to the trash; doublon undo puts them back):');
      for (const r of plan.removals) out.push(`  ${show(r.path)}  ${formatByteCount(r.bytes)}, a copy of ${show(r.canonical)}`);
    }
    out.push('', `Bytes reclaimed: ${formatByteCount(plan.bytesReclaimed)}`);
  } else if (plan.files.length > 0) {
    out.push('', 'No image is removed (ask for deletion to move unreferenced copies to the trash).');
  }
  const mentions = plan.unresolvedMentions ?? [];
  if (mentions.length > 0) {
    out.push(
      '',
      `Unresolved mentions (${mentions.length}): file names no rewritten reference accounts for; the images they may name are kept:`,
    );
    for (const m of mentions) out.push(`  ${show(m.path)}:${m.line}:${m.column}  ${m.text}  → keeps ${m.images.map(show).join(', ')}`);
  }
  if (plan.skipped.length > 0) {
    out.push('', `Skipped (${plan.skipped.length}):`);
    for (const s of plan.skipped) out.push(`  ${s.reason}`);
  }
  if (edits === 0 && plan.removals.length === 0) out.push('', 'Nothing to do.');
  return out.join('\n') + '\n';
}
