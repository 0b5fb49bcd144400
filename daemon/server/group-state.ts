/**
 * The duplicate groups as clients see them, and the change log that lets a client resync from a clock.
 * Each regroup replaces the groups wholesale; what changed (by the JSON of each group's report) is recorded
 * as one delta under a new clock, and the last `MAX_DELTAS` deltas answer `doublon/groups` with `since`.
 * Older clocks get everything, marked not incremental.
 */
import * as path from 'node:path';
import type { ReportError, ReportGroup } from '../../protocol/report';
import type { GroupsChangedParams, GroupsResult } from '../../protocol/methods';
import type { DuplicateGroup, GroupMember } from '../groups/build';

/** The group holding an image and its place in it. */
export interface Membership {
  group: DuplicateGroup;
  member: GroupMember;
}

/** The index's clock: advanced by every change applied (the store keeps it, so it survives restarts). */
export interface Clock {
  readonly clock: number;
  advanceClock(): number;
}

/** A `doublon/groups` query, its parameters already checked. */
export interface GroupQuery {
  classes?: readonly string[];
  /** Absolute: only groups with a member under it. */
  folder?: string;
  offset: number;
  limit: number;
  since?: number;
}

interface Delta {
  clock: number;
  since: number;
  changed: string[];
  removed: string[];
}

/** Deltas remembered for `since` (a client further behind gets everything). */
export const MAX_DELTAS = 256;

export class GroupState {
  private current: DuplicateGroup[] = [];
  private groupOfPath = new Map<string, DuplicateGroup>();
  private membershipOfPath = new Map<string, Membership>();
  private reports = new Map<string, { report: ReportGroup; json: string }>();
  private deltas: Delta[] = [];

  constructor(private readonly clock: Clock) {}

  get groups(): readonly DuplicateGroup[] {
    return this.current;
  }

  /**
   * Replaces the groups; when any group's report changed or a group went away, advances the clock, records
   * the delta and returns it (what `doublon/groupsChanged` announces). Undefined when nothing changed.
   */
  replace(groups: DuplicateGroup[], toReport: (group: DuplicateGroup) => ReportGroup): GroupsChangedParams | undefined {
    const reports = new Map<string, { report: ReportGroup; json: string }>();
    const changed: ReportGroup[] = [];
    for (const group of groups) {
      const report = toReport(group);
      const json = JSON.stringify(report);
      reports.set(group.id, { report, json });
      if (this.reports.get(group.id)?.json !== json) changed.push(report);
    }
    const removed = [...this.reports.keys()].filter((id) => !reports.has(id));
    this.current = groups;
    this.reports = reports;
    this.groupOfPath = new Map(groups.flatMap((g) => g.members.map((m) => [m.image.path, g] as const)));
    this.membershipOfPath = new Map(
      groups.flatMap((group) => group.members.map((member) => [member.image.path, { group, member }] as const)),
    );
    if (changed.length === 0 && removed.length === 0) return undefined;
    const since = this.clock.clock;
    const clock = this.clock.advanceClock();
    this.deltas.push({ clock, since, changed: changed.map((g) => g.id), removed });
    if (this.deltas.length > MAX_DELTAS) this.deltas.shift();
    return { clock, since, changed, removed };
  }

  report(id: string): ReportGroup | undefined {
    return this.reports.get(id)?.report;
  }

  /** The group an image (absolute path) belongs to. */
  groupOf(imagePath: string): DuplicateGroup | undefined {
    return this.groupOfPath.get(imagePath);
  }

  membership(imagePath: string): Membership | undefined {
    return this.membershipOfPath.get(imagePath);
  }

  get duplicates(): number {
    return this.current.reduce((n, g) => n + g.members.length - 1, 0);
  }

  get bytesReclaimable(): number {
    return this.current.reduce((n, g) => n + g.bytesReclaimable, 0);
  }

  /** `doublon/groups`: filtered, paged; with `since`, only what changed after that clock when it is remembered. */
  list(query: GroupQuery, errors: () => ReportError[]): GroupsResult {
    const { classes, folder, since, offset, limit } = query;
    let selected = this.current;
    if (classes) selected = selected.filter((g) => classes.includes(g.class));
    if (folder)
      selected = selected.filter((g) => g.members.some((m) => m.image.path === folder || m.image.path.startsWith(folder + path.sep)));

    let removed: string[] | undefined;
    let incremental: boolean | undefined;
    if (since !== undefined) {
      const oldest = this.deltas[0];
      incremental = since >= this.clock.clock || (!!oldest && since >= oldest.since);
      if (incremental) {
        const later = this.deltas.filter((d) => d.clock > since);
        const changedIds = new Set(later.flatMap((d) => d.changed));
        removed = [...new Set(later.flatMap((d) => d.removed))].filter((id) => !this.reports.has(id));
        selected = selected.filter((g) => changedIds.has(g.id));
      }
    }
    return {
      clock: this.clock.clock,
      total: selected.length,
      groups: selected.slice(offset, offset + limit).map((g) => this.reports.get(g.id)!.report),
      ...(offset === 0 ? { errors: errors() } : {}),
      ...(since !== undefined ? { removed: removed ?? [], incremental } : {}),
    };
  }
}
