/**
 * The CI formats on a real scan: SARIF against the SARIF 2.1.0 schema, GitLab against its documented shape,
 * one fingerprint per finding, rules documented in docs/rules/, the unreadable-image policy the same in every
 * format, and file names that cannot inject workflow commands or terminal sequences.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { ALL_RULES } from '../../daemon/report/rules';
import { REPOSITORY_URL } from '../../daemon/report/tool';
import { makePhoto, tempDir } from '../fixtures/images';
import { runCli } from '../helpers/cli';
import { write, writeBasicSite } from '../helpers/site';

const REPO = path.resolve(__dirname, '../../..');
/** SARIF 2.1.0 (rtm.5, the schema the OASIS standard was published with) as shipped by Microsoft's sarif-js-sdk. */
const SARIF_SCHEMA = JSON.parse(
  fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;
const GITLAB_SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO, 'test/report/gitlab-code-quality.schema.json'), 'utf8')) as object;

interface SarifLog {
  runs: Array<{
    tool: {
      driver: {
        rules: Array<{ id: string; fullDescription?: { text: string }; help?: { text: string; markdown: string }; helpUri?: string }>;
      };
    };
    originalUriBaseIds: Record<string, { uri: string }>;
    results: Array<{
      ruleId: string;
      level: string;
      partialFingerprints: Record<string, string>;
      locations: Array<{
        physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number; startColumn: number } };
      }>;
    }>;
  }>;
}
interface GitlabIssue {
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines?: { begin: number }; positions?: { begin: { line: number; column: number } } };
}

const EVIL = 'evil\n::error file=evil.js::pwned\n\u001b[31m.png';

describe('check formats for CI', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  before(async () => {
    dir = tempDir('doublon-formats-');
    await writeBasicSite(dir.path);
    // Two references to one copy on lines 12 and 15, and one at another column of line 15.
    const lines = Array.from({ length: 15 }, () => '<p></p>');
    lines[11] = '<img src="copies/photo-a.png">';
    lines[14] = '<img src="copies/photo-a.png"> <img src="copies/photo-a.png">';
    await write(dir.path, 'index.html', lines.join('\n') + '\n');
    // The referenced copy would otherwise become the canonical (most referenced).
    await write(dir.path, 'doublon.config.json', JSON.stringify({ canonical: { preferred: ['assets/**'] } }));
    await write(dir.path, 'bad/broken.jpg', 'not a jpeg');
    await write(dir.path, path.join('evil', EVIL), await makePhoto(2, 320, 240));
  });
  after(() => dir.cleanup());

  it('SARIF validates against the 2.1.0 schema, with documented rules, %SRCROOT% defined and unique fingerprints', async () => {
    const result = await runCli(dir.path, 'check', '--format', 'sarif');
    assert.equal(result.code, 1);
    const sarif = JSON.parse(result.stdout) as SarifLog;
    const validate = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false }).compile(SARIF_SCHEMA);
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
    const run = sarif.runs[0];
    assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, `file://${fs.realpathSync(dir.path)}/`.replace(/^file:\/\/\/*/, 'file:///'));
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.fullDescription?.text && rule.help?.text && rule.help.markdown, `${rule.id} lacks fullDescription or help`);
      assert.equal(rule.helpUri, `${REPOSITORY_URL}/blob/v0.1.0/docs/rules/${rule.id}.md`);
    }
    const references = run.results.filter((r) => r.ruleId === 'reference-to-duplicate');
    const regions = references
      .map((r) => r.locations[0].physicalLocation.region)
      .map((g) => `${g?.startLine}:${g?.startColumn}`)
      .sort();
    assert.deepEqual(regions, ['12:11', '15:11', '15:42']);
    const prints = run.results.map((r) => JSON.stringify(r.partialFingerprints));
    assert.equal(new Set(prints).size, prints.length, 'every result has its own fingerprint');
    assert.ok(run.results.every((r) => r.locations.every((l) => l.physicalLocation.artifactLocation.uriBaseId === '%SRCROOT%')));
  });

  it('GitLab Code Quality matches its documented shape, one fingerprint per finding, columns of references kept', async () => {
    const result = await runCli(dir.path, 'check', '--format', 'gitlab');
    const issues = JSON.parse(result.stdout) as GitlabIssue[];
    const validate = new Ajv({ strict: false, allErrors: true }).compile(GITLAB_SCHEMA);
    assert.ok(validate(issues), JSON.stringify(validate.errors, null, 1));
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length);
    const positions = issues
      .filter((i) => i.check_name === 'reference-to-duplicate')
      .map((i) => `${i.location.positions?.begin.line}:${i.location.positions?.begin.column}`)
      .sort();
    assert.deepEqual(positions, ['12:11', '15:11', '15:42']);
  });

  it('every rule has its page in docs/rules/, and every class too', () => {
    for (const rule of ALL_RULES) {
      const page = path.join(REPO, 'docs/rules', `${rule.id}.md`);
      assert.ok(fs.existsSync(page), `docs/rules/${rule.id}.md is missing`);
      assert.match(fs.readFileSync(page, 'utf8'), new RegExp(`^# ${rule.id}\\n`));
    }
    for (const cls of ['exact', 'pixel', 'near']) assert.ok(ALL_RULES.some((r) => r.id === `duplicate-${cls}`));
  });

  it('an unreadable image is a warning in every format and the check passes, unless failOn lists unreadable', async () => {
    const clean = tempDir('doublon-unreadable-');
    try {
      await write(clean.path, 'a.png', await makePhoto(1));
      await write(clean.path, 'broken.jpg', 'not a jpeg');
      for (const [args, severity, code] of [
        [[], 'warning', 0],
        [['--fail-on', 'exact,unreadable'], 'error', 1],
      ] as const) {
        const text = await runCli(clean.path, 'check', ...args);
        assert.equal(text.code, code, text.stdout);
        assert.match(text.stdout, new RegExp(`^${severity} +broken\\.jpg cannot be read as an image: .*  unreadable-image$`, 'm'));
        const github = await runCli(clean.path, 'check', '--format', 'github', ...args);
        assert.equal(github.code, code);
        assert.match(github.stdout, new RegExp(`^::${severity} file=broken\\.jpg,title=Unreadable image::`));
        const sarif = JSON.parse((await runCli(clean.path, 'check', '--format', 'sarif', ...args)).stdout) as SarifLog;
        assert.deepEqual(
          sarif.runs[0].results.map((r) => [r.ruleId, r.level]),
          [['unreadable-image', severity]],
        );
        const gitlab = JSON.parse((await runCli(clean.path, 'check', '--format', 'gitlab', ...args)).stdout) as GitlabIssue[];
        assert.deepEqual(
          gitlab.map((i) => [i.check_name, i.severity]),
          [['unreadable-image', severity === 'error' ? 'major' : 'minor']],
        );
        const json = JSON.parse((await runCli(clean.path, 'check', '--format', 'json', ...args)).stdout) as {
          unreadable: Array<{ severity: string }>;
        };
        assert.deepEqual(
          json.unreadable.map((u) => u.severity),
          [severity],
        );
      }
      await write(clean.path, 'doublon.config.json', JSON.stringify({ failOn: ['exact', 'unreadable'] }));
      assert.equal((await runCli(clean.path, 'check')).code, 1, 'failOn in the config works the same');
    } finally {
      clean.cleanup();
    }
  });

  it('a file name with a newline, a workflow command and an escape sequence stays one escaped name in every text format', async () => {
    const shown = '"evil/evil\\n::error file=evil.js::pwned\\n\\x1b[31m.png"';
    const check = async (...args: string[]) => (await runCli(dir.path, 'check', ...args)).stdout;
    for (const [name, out] of [
      ['text', await check()],
      ['github', await check('--format', 'github')],
      ['scan', (await runCli(dir.path, 'scan')).stdout],
    ]) {
      assert.ok(!/^::error file=evil\.js/m.test(out), `${name}: a workflow command was injected\n${out}`);
      assert.ok(!out.includes('\u001b'), `${name}: a raw escape character`);
      if (name !== 'github') assert.ok(out.includes(shown), `${name} shows the name quoted and escaped\n${out}`);
    }
    const github = await check('--format', 'github');
    assert.ok(github.includes(`file=${shown.replace(/:/g, '%3A')}`.replace(/,/g, '%2C')), github);
    for (const format of ['json', 'sarif', 'gitlab']) {
      const out = await check('--format', format);
      assert.ok(!/^::/m.test(out) && !out.includes('\u001b'), format);
      JSON.parse(out);
    }
  });
});
