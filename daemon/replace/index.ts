/** The replacement engine (DESIGN §9): makePlan (dry run) → applyPlan (atomic, journaled) → undoLast. */
export { makePlan, DEFAULT_CLASSES, displayPath } from './plan';
export { applyPlan, undoLast } from './apply';
export { formatPlan } from './format';
export { ReplaceError, type ReplaceErrorCode } from './errors';
export * from './types';
