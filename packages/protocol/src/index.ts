export * from './recording';
export * from './settings';
export * from './annotation';
export * from './analysis';
export * from './ws';
export * from './rest';
export * from './schema';
export * from './time-order';
