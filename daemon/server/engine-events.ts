/**
 * What the engine tells the world: notifications for clients (every connection, or the one named), and
 * its own events for what runs on it in the same process (the editor features re-check open documents
 * when the groups change). Subscribers get an unsubscribe function.
 */
import { EventEmitter } from 'node:events';
import type { GroupsChangedParams } from '../../protocol/methods';

export type NotificationListener = (method: string, params: unknown, client?: string) => void;

export class EngineEvents {
  private readonly emitter = new EventEmitter();

  subscribe(listener: NotificationListener): () => void {
    this.emitter.on('notification', listener);
    return () => this.emitter.off('notification', listener);
  }

  /** Sends a notification to clients (all of them, or the one connection named). */
  notify(method: string, params: unknown, client?: string): void {
    this.emitter.emit('notification', method, params, client);
  }

  onGroupsChanged(listener: (delta: GroupsChangedParams) => void): () => void {
    this.emitter.on('groupsChanged', listener);
    return () => this.emitter.off('groupsChanged', listener);
  }

  groupsChanged(delta: GroupsChangedParams): void {
    this.emitter.emit('groupsChanged', delta);
  }

  /** A damaged index met while running was moved aside and rebuilt: what the user is told. */
  onIndexRebuilt(listener: (notice: string) => void): () => void {
    this.emitter.on('indexRebuilt', listener);
    return () => this.emitter.off('indexRebuilt', listener);
  }

  indexRebuilt(notice: string): void {
    this.emitter.emit('indexRebuilt', notice);
  }
}
