export * from './fusion/orientation-filter';
export * from './math/quaternion';
export * from './session-analyzer';
export * from './settings';
export { summarizeReps } from './reps/summary';
export * from './progression/progression-advice';
export type { StillRun } from './body/best-still';
