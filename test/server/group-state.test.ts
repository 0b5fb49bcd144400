import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig, type ResolvedConfig } from '../../daemon/config/load';
import { analyse } from '../../daemon/analysis';
import { openIndex } from '../../daemon/index/open';
import type { DuplicateGroup } from '../../daemon/groups/build';
import type { Fingerprint } from '../../daemon/hash';
import type { IndexStore } from '../../daemon/index/store';
import { toReportGroup } from '../../daemon/report/scan-report';
import { GroupState, MAX_DELTAS } from '../../daemon/server/group-state';
import { tempDir } from '../fixtures/images';
import { write, writeBasicSite } from '../helpers/site';
import { encode, makePhoto } from '../fixtures/images';

/**
 * daemon/server/group-state.ts: the groups clients see and the change log behind `doublon/groups` with
 * `since`. Real groups (the basic site scanned by the one-shot pipeline) and the real LMDB index as clock.
 */
describe('group state and change log', function () {
  this.timeout(60_000);
  let dir: { path: string; cleanup(): void };
  let root: string;
  let config: ResolvedConfig;
  let store: IndexStore<Fingerprint>;
  let groups: DuplicateGroup[];

  before(async () => {
    dir = tempDir('doublon-group-state-');
    root = path.join(dir.path, 'site');
    await writeBasicSite(root);
    // A second group: an exact copy of another photo.
    const c = await encode(await makePhoto(7, 240, 180), 'png');
    await write(root, 'more/photo-c.png', c);
    await write(root, 'more/photo-c-copy.png', c);
    config = loadConfig({ cwd: root, roots: [root], indexDir: path.join(dir.path, 'index') });
    groups = (await analyse(config)).groups;
    assert.equal(groups.length, 2, 'the fixture makes two groups');
    store = openIndex(config);
  });
  after(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const report = (group: DuplicateGroup) => toReportGroup(group, root);
  const noErrors = () => [];

  it('announces every group once, under a new clock; the same groups again change nothing', () => {
    const state = new GroupState(store);
    const before = store.clock;
    const delta = state.replace(groups, report);
    assert.ok(delta);
    assert.equal(delta.since, before);
    assert.equal(delta.clock, store.clock);
    assert.ok(delta.clock > before);
    assert.deepEqual(delta.changed.map((g) => g.id).sort(), groups.map((g) => g.id).sort());
    assert.deepEqual(delta.removed, []);
    assert.equal(state.replace(groups, report), undefined);
    assert.equal(store.clock, delta.clock, 'no change, no new clock');
  });

  it('answers membership, counts and lists with filters, paging and the errors on the first page only', () => {
    const state = new GroupState(store);
    state.replace(groups, report);
    const photo = path.join(root, 'copies', 'photo-a.png');
    const membership = state.membership(photo);
    assert.ok(membership);
    assert.equal(membership.member.image.path, photo);
    assert.equal(state.groupOf(photo)?.id, membership.group.id);
    assert.equal(
      state.duplicates,
      groups.reduce((n, g) => n + g.members.length - 1, 0),
    );

    const all = state.list({ offset: 0, limit: 100 }, () => [{ path: 'bad.png', message: 'unreadable' }]);
    assert.equal(all.total, 2);
    assert.deepEqual(all.errors, [{ path: 'bad.png', message: 'unreadable' }]);
    assert.equal(all.removed, undefined, 'no resync fields without since');

    const page = state.list({ offset: 1, limit: 1 }, noErrors);
    assert.equal(page.total, 2);
    assert.equal(page.groups.length, 1);
    assert.equal(page.errors, undefined);
    assert.equal(page.groups[0].id, all.groups[1].id);

    const more = state.list({ offset: 0, limit: 100, folder: path.join(root, 'more') }, noErrors);
    assert.deepEqual(
      more.groups.map((g) => g.canonical).map((c) => c.split('/')[0]),
      ['more'],
    );
    // A group's class is its loosest member's: the photo-a group is near, the photo-c group exact.
    assert.equal(state.list({ offset: 0, limit: 100, classes: ['near'] }, noErrors).total, 1);
    assert.equal(state.list({ offset: 0, limit: 100, classes: ['exact'] }, noErrors).total, 1);
    assert.equal(state.list({ offset: 0, limit: 100, classes: ['exact', 'near'] }, noErrors).total, 2);
  });

  it('resyncs from a clock: only what changed since, and the ids of groups gone', () => {
    const state = new GroupState(store);
    state.replace(groups, report);
    const clock = store.clock;
    const [kept, gone] = groups;
    const delta = state.replace([kept], report);
    assert.deepEqual(delta?.removed, [gone.id]);
    const since = state.list({ offset: 0, limit: 100, since: clock }, noErrors);
    assert.equal(since.incremental, true);
    assert.deepEqual(since.groups, [], 'the kept group did not change');
    assert.deepEqual(since.removed, [gone.id]);
    const back = state.replace(groups, report);
    assert.deepEqual(
      back?.changed.map((g) => g.id),
      [gone.id],
    );
    const again = state.list({ offset: 0, limit: 100, since: clock }, noErrors);
    assert.deepEqual(
      again.groups.map((g) => g.id),
      [gone.id],
    );
    assert.deepEqual(again.removed, [], 'a group that came back is not reported gone');
    const current = state.list({ offset: 0, limit: 100, since: store.clock }, noErrors);
    assert.equal(current.incremental, true);
    assert.equal(current.total, 0, 'up to date: nothing to send');
  });

  it(`forgets deltas past the last ${MAX_DELTAS}: an older clock gets everything, marked not incremental`, () => {
    const state = new GroupState(store);
    state.replace(groups, report);
    const old = store.clock;
    for (let i = 0; i <= MAX_DELTAS; i++) state.replace(i % 2 === 0 ? [groups[0]] : groups, report);
    const result = state.list({ offset: 0, limit: 100, since: old }, noErrors);
    assert.equal(result.incremental, false);
    assert.equal(result.total, state.groups.length);
    assert.deepEqual(result.removed, []);
  });
});
