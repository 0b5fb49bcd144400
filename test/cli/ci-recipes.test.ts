/**
 * The CI recipes of the README, run: the `doublon` steps of the GitHub Actions workflow and of the GitLab
 * job, executed as their runners would (GitHub: `bash -e -o pipefail`, a failed step skips the next ones
 * except `if: always()`; GitLab: `sh -e`, the job stops at the first failing line), with `npx doublon`
 * resolving a local install as in a site that has Doublon in its devDependencies.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { tempDir } from '../fixtures/images';
import { BIN } from '../helpers/cli';

const REPO = path.resolve(__dirname, '../../..');

/** The fenced block after `<!-- ci-recipe: name -->` in the README. */
function recipe(name: string): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- ci-recipe: ${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  assert.ok(match, `README has no ci-recipe block "${name}"`);
  return match[1];
}

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}
interface GitlabJob {
  cache: { paths: string[] };
  script: string[];
  artifacts: { when: string; reports: { codequality: string } };
}

interface Run {
  script: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

function shell(cwd: string, argv: string[], script: string): Run {
  const result = spawnSync(argv[0], [...argv.slice(1), script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, npm_config_update_notifier: 'false', NO_COLOR: '1' },
  });
  if (result.error) throw result.error;
  return { script, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** GitHub: each step in `bash -e -o pipefail`; after a failure only `if: always()` steps run. */
function runGithubSteps(cwd: string, steps: Step[]): Run[] {
  const runs: Run[] = [];
  let failed = false;
  for (const step of steps) {
    if (!step.run?.includes('doublon')) continue;
    if (failed && step.if !== 'always()') continue;
    const run = shell(cwd, ['bash', '--noprofile', '--norc', '-e', '-o', 'pipefail', '-c'], step.run);
    runs.push(run);
    if (run.status !== 0) failed = true;
  }
  return runs;
}

/** GitLab: the script lines in one `sh -e`, stopping at the first failure (the `doublon` lines only). */
function runGitlabScript(cwd: string, job: GitlabJob): Run {
  return shell(cwd, ['sh', '-e', '-c'], job.script.filter((line) => line.includes('doublon')).join('\n'));
}

describe('CI recipes of the README', function () {
  this.timeout(300_000);
  let dir: { path: string; cleanup(): void };
  let site: string;
  const workflow = parse(recipe('github')) as Workflow;
  const steps = Object.values(workflow.jobs)[0].steps;
  const gitlab = Object.values(parse(recipe('gitlab')) as Record<string, GitlabJob>)[0];

  before(() => {
    dir = tempDir('doublon-ci-');
    site = path.join(dir.path, 'site');
    fs.cpSync(path.join(REPO, 'examples/city-site'), site, { recursive: true, filter: (src) => path.basename(src) !== '.doublon' });
    // A site with Doublon installed: `npx doublon` runs node_modules/.bin/doublon.
    fs.writeFileSync(
      path.join(site, 'package.json'),
      JSON.stringify({ name: 'city-site', private: true, devDependencies: { doublon: '*' } }),
    );
    fs.mkdirSync(path.join(site, 'node_modules/.bin'), { recursive: true });
    fs.symlinkSync(BIN, path.join(site, 'node_modules/.bin/doublon'));
  });
  after(() => dir?.cleanup());

  it('the GitHub workflow has checkout, setup-node, the index cache, SARIF upload and its permission', () => {
    assert.equal(workflow.permissions['security-events'], 'write');
    const uses = steps.map((s) => s.uses?.replace(/@.*/, ''));
    for (const action of ['actions/checkout', 'actions/setup-node', 'actions/cache', 'github/codeql-action/upload-sarif'])
      assert.ok(uses.includes(action), action);
    assert.equal(steps.find((s) => s.uses?.startsWith('actions/cache'))!.with!.path, '.doublon');
    const sarifFile = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))!.with!.sarif_file as string;
    assert.ok(
      steps.some((s) => s.run?.includes(`--output ${sarifFile}`)),
      'the uploaded file is the one written',
    );
    assert.deepEqual(gitlab.cache.paths, ['.doublon/']);
    assert.equal(gitlab.artifacts.when, 'always');
  });

  it('pass on the accepted duplicates, then fail with annotations and reports on a new one', () => {
    const baseline = shell(site, ['bash', '-e', '-c'], recipe('baseline'));
    assert.equal(baseline.status, 0, baseline.stderr);
    assert.ok(fs.existsSync(path.join(site, 'doublon-baseline.json')));

    const clean = runGithubSteps(site, steps);
    assert.equal(clean.length, 2);
    for (const run of clean) assert.equal(run.status, 0, `${run.script}\n${run.stdout}${run.stderr}`);
    assert.ok(fs.statSync(path.join(site, '.doublon')).isDirectory(), 'the cached folder is where the index is');
    const cleanLab = runGitlabScript(site, gitlab);
    assert.equal(cleanLab.status, 0, cleanLab.stdout + cleanLab.stderr);
    assert.ok(
      !(JSON.parse(fs.readFileSync(path.join(site, gitlab.artifacts.reports.codequality), 'utf8')) as Array<{ severity: string }>).some(
        (i) => i.severity === 'major',
      ),
    );

    fs.copyFileSync(path.join(site, 'assets/shared/pictograms/bike.png'), path.join(site, 'news/img/bike-copy.png'));
    const [annotations, sarifStep] = runGithubSteps(site, steps);
    assert.equal(annotations.status, 1);
    assert.match(annotations.stdout, /^::error file=news\/img\/bike-copy\.png,title=Duplicate image \(exact\)::/m);
    assert.equal(sarifStep.status, 0, 'the SARIF step runs after the failure and succeeds');
    const sarif = JSON.parse(fs.readFileSync(path.join(site, 'doublon.sarif'), 'utf8')) as {
      runs: Array<{ results: Array<{ level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
    };
    assert.ok(
      sarif.runs[0].results.some(
        (r) => r.level === 'error' && r.locations[0].physicalLocation.artifactLocation.uri === 'news/img/bike-copy.png',
      ),
    );

    const lab = runGitlabScript(site, gitlab);
    assert.equal(lab.status, 1, 'the job fails on the last line');
    assert.match(lab.stdout, /^error +news\/img\/bike-copy\.png is an exact copy of /m);
    const issues = JSON.parse(fs.readFileSync(path.join(site, gitlab.artifacts.reports.codequality), 'utf8')) as Array<{
      location: { path: string };
      severity: string;
    }>;
    assert.ok(issues.some((i) => i.location.path === 'news/img/bike-copy.png' && i.severity === 'major'));

    // A configuration error is not hidden by `|| [ $? -eq 1 ]`.
    fs.writeFileSync(path.join(site, 'doublon.config.json'), '{"roots": 3}');
    const broken = runGithubSteps(
      site,
      steps.filter((s) => s.if === 'always()'),
    );
    assert.notEqual(broken[0].status, 0, 'the step fails');
    assert.match(broken[0].stderr, /invalid configuration/);
  });
});
