/** Text rendering of a scan report (`doublon scan`); file names shown through quotePath (no raw control characters). */
import type { ScanReport } from '../../protocol/report';
import { formatBytes } from '../report/formats';
import { escapeControls, quotePath } from '../report/printable';
import type { ScanStats } from '../scan/scanner';

export function formatReportText(report: ScanReport, stats: ScanStats | undefined): string {
  const lines: string[] = [];
  for (const group of report.groups) {
    lines.push(`${group.class} group ${group.id}: ${group.members.length} files, ${formatBytes(group.bytesReclaimable)} reclaimable`);
    for (const member of group.members) {
      const isCanonical = member.path === group.canonical;
      const how = isCanonical
        ? `canonical (${group.rule})`
        : member.class === 'near'
          ? `near ${(member.similarity * 100).toFixed(1)}%`
          : member.class;
      lines.push(
        `  ${isCanonical ? '*' : ' '} ${quotePath(member.path)}  ${member.width}x${member.height}  ${formatBytes(member.bytes)}  ${how}`,
      );
    }
    lines.push('');
  }
  const duplicates = report.groups.reduce((n, g) => n + g.members.length - 1, 0);
  const bytes = report.groups.reduce((n, g) => n + g.bytesReclaimable, 0);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(`${plural(report.groups.length, 'group')}, ${plural(duplicates, 'duplicate file')}, ${formatBytes(bytes)} reclaimable.`);
  if (stats) {
    lines.push(
      `${stats.files} images indexed (${stats.decoded} decoded, ${stats.read - stats.decoded} known by content, ${stats.unchanged} unchanged) in ${(stats.elapsedMs / 1000).toFixed(2)} s.`,
    );
  } else lines.push('Answered by the running daemon.');
  for (const error of report.errors) lines.push(`error: ${quotePath(error.path)}: ${escapeControls(error.message)}`);
  return lines.join('\n') + '\n';
}
