export * from './fusion/orientation-filter';
export * from './math/quaternion';
