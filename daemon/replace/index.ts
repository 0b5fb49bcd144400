/** The replacement engine (DESIGN §9): makePlan (dry run) → applyPlan (vouched for, atomic, journaled) → undoLast. */
export { makePlan, DEFAULT_CLASSES, displayPath } from './plan';
export { applyPlan, undoLast } from './apply';
export { vouchPlan } from './vouch';
export { formatPlan } from './format';
export { removeLeftoverTempFiles } from './tree';
export { ReplaceError, type ReplaceErrorCode } from './errors';
export * from './types';
