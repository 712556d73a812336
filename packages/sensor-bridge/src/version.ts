// The bridge's software version (package.json), for the OpenAPI document and exported files.
import pkg from '../package.json' with { type: 'json' };

export const SOFTWARE_VERSION: string = pkg.version;
