/** `doublon scan [roots…]`: index the roots and list the duplicate groups. */
import { formatBytes } from '../report/formats';
import { displayPath, toScanReport } from '../report/scan-report';
import type { Analysis } from '../analysis';
import type { DuplicateGroup } from '../groups/build';

export function formatGroupsText(analysis: Analysis, base: string): string {
  const lines: string[] = [];
  const describe = (group: DuplicateGroup): void => {
    lines.push(`${group.class} group ${group.id}: ${group.members.length} files, ${formatBytes(group.bytesReclaimable)} reclaimable`);
    for (const member of group.members) {
      const isCanonical = member.image === group.canonical;
      const mark = isCanonical ? '*' : ' ';
      const how = isCanonical ? `canonical (${group.rule})` : member.class === 'near' ? `near ${(member.similarity * 100).toFixed(1)}%` : member.class;
      lines.push(`  ${mark} ${displayPath(member.image.path, base)}  ${member.image.width}x${member.image.height}  ${formatBytes(member.image.bytes)}  ${how}`);
    }
    lines.push('');
  };
  analysis.groups.forEach(describe);
  const duplicates = analysis.groups.reduce((n, g) => n + g.members.length - 1, 0);
  const bytes = analysis.groups.reduce((n, g) => n + g.bytesReclaimable, 0);
  const s = analysis.stats;
  lines.push(
    `${analysis.groups.length} group${analysis.groups.length === 1 ? '' : 's'}, ${duplicates} duplicate file${duplicates === 1 ? '' : 's'}, ${formatBytes(bytes)} reclaimable.`,
    `${s.files} images indexed (${s.decoded} decoded, ${s.read - s.decoded} known by content, ${s.unchanged} unchanged) in ${(s.elapsedMs / 1000).toFixed(2)} s.`,
  );
  for (const error of analysis.errors) lines.push(`error: ${displayPath(error.path, base)}: ${error.message}`);
  return lines.join('\n') + '\n';
}

export function formatGroupsJson(analysis: Analysis, base: string): string {
  return JSON.stringify(toScanReport(analysis.groups, analysis.errors, base), null, 2) + '\n';
}
