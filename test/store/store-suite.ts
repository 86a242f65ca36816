/**
 * The one behavioural suite every store backend must pass (test/store/sqlite-store.test.ts and
 * test/store/postgres-store.test.ts run it against real SQLite and real PostgreSQL).
 */
import type { TestBackend } from './support/backends.js';
import { analysisSuite } from './suite/analysis.js';
import { auditRecordSuite } from './suite/audit-record.js';
import { auditSealSuite } from './suite/audit-seal.js';
import { clientAdmissionSuite } from './suite/client-admission.js';
import { decisionsSuite } from './suite/decisions.js';
import { feedbackSuite } from './suite/feedback.js';
import { mergedCardsSuite } from './suite/merged-cards.js';
import { migrationsSuite } from './suite/migrations.js';
import { registrySuite } from './suite/registry.js';
import { runtimeSuite } from './suite/runtime.js';
import { tamperingSuite } from './suite/tampering.js';
import { versionCheckSuite } from './suite/version-check.js';

export function storeSuite(backend: TestBackend): void {
  migrationsSuite(backend);
  registrySuite(backend);
  decisionsSuite(backend);
  tamperingSuite(backend);
  auditRecordSuite(backend);
  auditSealSuite(backend);
  feedbackSuite(backend);
  analysisSuite(backend);
  mergedCardsSuite(backend);
  runtimeSuite(backend);
  versionCheckSuite(backend);
  clientAdmissionSuite(backend);
}
