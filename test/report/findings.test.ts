/**
 * The report policy called directly (the CLI tests go through a process): which members are findings and at
 * what severity, the exit decision, and baselines written, read back from another folder, and matched.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReportGroup, ReportMember } from '../../protocol/report';
import { BaselineError, makeBaseline, matchBaseline, readBaseline, writeBaseline } from '../../daemon/report/baseline';
import { checkFails, findingsOf, onlyErrors, tally, unreadableOf } from '../../daemon/report/findings';
import { tempDir } from '../fixtures/images';

const member = (p: string, cls: ReportMember['class'], extra: Partial<ReportMember> = {}): ReportMember => ({
  path: p,
  class: cls,
  similarity: cls === 'near' ? 0.93 : 1,
  bytes: 1000,
  width: 10,
  height: 10,
  sha256: `sha-of-${p}`,
  ...extra,
});

function group(id: string, members: ReportMember[]): ReportGroup {
  return {
    id,
    class: members.at(-1)!.class,
    canonical: members[0].path,
    rule: 'lexical',
    bytesReclaimable: 1000 * (members.length - 1),
    members,
  };
}

const GROUPS: ReportGroup[] = [
  group('g1', [
    member('img/a.png', 'exact'),
    member('copy/a.png', 'exact'),
    member('img/a@2x.png', 'pixel', { variant: 'resolution variant (@2x)' }),
  ]),
  group('g2', [member('img/b.jpg', 'exact'), member('img/b-small.jpg', 'near'), member('img/b.webp', 'pixel')]),
];

describe('report: findings, exit decision and baselines', () => {
  it('every non-canonical, non-variant member is a finding: an error when its class is in failOn, else a warning', () => {
    const findings = findingsOf(GROUPS, ['exact', 'pixel']);
    assert.deepEqual(
      findings.map((f) => [f.member.path, f.severity, f.group.id]),
      [
        ['copy/a.png', 'error', 'g1'],
        ['img/b-small.jpg', 'warning', 'g2'],
        ['img/b.webp', 'error', 'g2'],
      ],
    );
    assert.deepEqual(
      findingsOf(GROUPS, []).map((f) => f.severity),
      ['warning', 'warning', 'warning'],
    );
    assert.deepEqual(
      onlyErrors(findings).map((f) => f.member.path),
      ['copy/a.png', 'img/b.webp'],
    );
  });

  it('unreadable images are warnings unless failOn lists unreadable; the check fails on an error or too many warnings', () => {
    const errors = [{ path: 'broken.png', message: 'truncated' }];
    assert.equal(unreadableOf(errors, ['exact'])[0].severity, 'warning');
    assert.equal(unreadableOf(errors, ['unreadable'])[0].severity, 'error');
    const counts = tally(findingsOf(GROUPS, ['near']), unreadableOf(errors, []));
    assert.deepEqual(counts, { errors: 1, warnings: 3 });
    assert.equal(checkFails(counts, -1), true);
    const warningsOnly = tally(findingsOf(GROUPS, []), []);
    assert.equal(checkFails(warningsOnly, -1), false, 'no limit');
    assert.equal(checkFails(warningsOnly, 3), false);
    assert.equal(checkFails(warningsOnly, 2), true);
  });

  describe('baselines', () => {
    let dir: ReturnType<typeof tempDir>;
    beforeEach(() => {
      dir = tempDir('doublon-baseline-');
    });
    afterEach(() => dir.cleanup());

    it('written from one folder, read from another: the same duplicates are known, new and removed ones told apart', () => {
      const project = path.join(dir.path, 'project');
      const file = path.join(project, 'ci', 'doublon-baseline.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const findings = findingsOf(GROUPS, ['exact']);
      writeBaseline(file, makeBaseline(findings.slice(0, 2), project, file));
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(text.split('\n').filter((l) => l.includes('"sha256"')).length, 2, 'one entry per line');
      assert.match(text, /"path":"\.\.\/copy\/a\.png"/, 'paths relative to the baseline file');

      // From the ci/ folder the report's paths are relative to it.
      const ci = path.dirname(file);
      const fromCi = findingsOf(
        GROUPS.map((g) => ({ ...g, members: g.members.map((m) => ({ ...m, path: `../${m.path}` })) })),
        ['exact'],
      );
      const loaded = readBaseline({ file, shown: 'ci/doublon-baseline.json' }, ci);
      const match = matchBaseline(fromCi, loaded, ci);
      assert.deepEqual(
        match.known.map((f) => f.member.path),
        ['../copy/a.png', '../img/b-small.jpg'],
      );
      assert.deepEqual(
        match.fresh.map((f) => f.member.path),
        ['../img/b.webp'],
      );
      assert.deepEqual(match.stale, []);

      // An edited copy (another content) is new again, and its old entry is stale.
      const edited = fromCi.map((f) => (f.member.path === '../copy/a.png' ? { ...f, member: { ...f.member, sha256: 'edited' } } : f));
      const again = matchBaseline(edited, loaded, ci);
      assert.deepEqual(
        again.fresh.map((f) => f.member.path),
        ['../copy/a.png', '../img/b.webp'],
      );
      assert.deepEqual(
        again.stale.map((e) => e.path),
        ['../copy/a.png'],
      );
    });

    it('says what is wrong with a missing or malformed baseline', () => {
      const file = path.join(dir.path, 'b.json');
      assert.throws(
        () => readBaseline({ file, shown: 'b.json' }, dir.path),
        (e: unknown) => e instanceof BaselineError && /does not exist \(create it with --update-baseline\)/.test(e.message),
      );
      fs.writeFileSync(file, '{"version": 3, "duplicates": []}');
      assert.throws(() => readBaseline({ file, shown: 'b.json' }, dir.path), /expected \{ "version": 2, "duplicates": \[\.\.\.\] \}/);
      fs.writeFileSync(file, '{"version": 1, "duplicates": [{"path": "copy/a.png", "sha256": "sha-of-copy/a.png"}, {"path": 7}]}');
      const v1 = readBaseline({ file, shown: 'b.json' }, path.join(dir.path, 'cwd'));
      assert.equal(v1.entries.length, 1, 'a malformed entry is left out');
      assert.equal(
        matchBaseline(findingsOf(GROUPS, []), v1, path.join(dir.path, 'cwd')).known.length,
        1,
        'version 1 paths are relative to the working folder',
      );
    });
  });
});
