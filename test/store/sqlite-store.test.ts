import { SQLITE_BACKEND } from './support/backends.js';
import { storeSuite } from './store-suite.js';

describe('store: SQLite backend', () => {
  storeSuite(SQLITE_BACKEND);
});
